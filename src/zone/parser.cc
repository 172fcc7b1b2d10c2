// Zone file reader (RFC 1035 5, RFC 2308 4 $TTL, BIND $GENERATE).
//
// Speed matters: the reader is on the start-up path of a server that may load
// a zone of millions of records. The whole file is read into one buffer, the
// tokenizer hands out string_views into it, and per record the reader reuses
// one token vector and one rdata vector; the owner Name is rebuilt only when
// the owner text changes. Rdata is encoded by dns::rdata_from_text, which
// writes names straight into the rdata buffer.
//
// TTL defaults, a choice to be aware of: a record without a TTL gets the
// $TTL value if a $TTL directive came before it (RFC 2308 4), else the last
// TTL written explicitly on a record (RFC 1035 5.1), else
// ParseOptions::default_ttl. This is what BIND 9 does, except that BIND falls
// back to the SOA MINIMUM where we use default_ttl.
//
// $INCLUDE: the included file starts with the includer's owner (as in BIND)
// and TTL state; afterwards the includer's origin, owner and TTL state are
// what they were before: its $ORIGIN (RFC 1035 5.1) and, as in Knot, its $TTL
// do not leak back.
#include "zone/parser.h"

#include "util/byte_vector.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "dns/rdata.h"
#include "dns/rdata_text.h"
#include "dns/types.h"

namespace tandem::zone {

std::string ParseError::to_string() const {
  if (line == 0) return file + ": " + message;  // file-level problems (cannot open it)
  return file + ":" + std::to_string(line) + ": " + message;
}

namespace {

using dns::TextToken;

// A $GENERATE directive may produce at most this many records.
constexpr uint64_t kMaxGenerate = 65536;

// --- tokenizer ---

enum CharClass : uint8_t { kPlain, kSpace, kNewline, kOpen, kClose, kSemi, kQuote, kBackslash };

constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  for (auto& c : t) c = kPlain;
  t[' '] = t['\t'] = t['\r'] = t['\v'] = t['\f'] = kSpace;
  t['\n'] = kNewline;
  t['('] = kOpen;
  t[')'] = kClose;
  t[';'] = kSemi;
  t['"'] = kQuote;
  t['\\'] = kBackslash;
  return t;
}
constexpr std::array<uint8_t, 256> kClass = make_classes();

// A buffer being tokenized.
struct Source {
  std::string_view text;
  size_t pos = 0;
  size_t line = 1;
};

enum class Lex { kRecord, kEof, kError };

// The error a record gets when the text ends inside its parentheses (the
// chunked file reader recognizes it and reads on).
constexpr char kUnclosedParen[] = "'(' not closed before the end of the file";

// The tokens of one record. It never shrinks, so refilling it for each record
// costs no allocation, and push() stays inline.
class TokenList {
 public:
  void clear() { n_ = 0; }
  bool empty() const { return n_ == 0; }
  void push(std::string_view text, bool quoted) {
    if (n_ == v_.size()) v_.resize(v_.empty() ? 32 : v_.size() * 2);
    v_[n_++] = TextToken{text, quoted};
  }
  std::span<const TextToken> span() const { return {v_.data(), n_}; }

 private:
  std::vector<TextToken> v_;
  size_t n_ = 0;
};

struct RecordStart {
  size_t line = 0;            // line of the record's first token (or '(')
  bool owner_column = false;  // its first token starts in column 0
};

// Skips the rest of the current line, newline included.
void skip_line(Source& src) {
  const char* nl =
      static_cast<const char*>(memchr(src.text.data() + src.pos, '\n', src.text.size() - src.pos));
  if (nl) {
    src.pos = static_cast<size_t>(nl - src.text.data()) + 1;
    ++src.line;
  } else {
    src.pos = src.text.size();
  }
}

// Reads the next record: the tokens of one line, or of several lines joined
// by parentheses (RFC 1035 5.1), without comments. Token texts keep their
// escapes; quoted tokens lose their quotes. A quote inside a token (as in
// SVCB's key="a b") is kept with what it encloses, spaces included.
// kError: `err` says why; the offending line has been skipped.
Lex next_record(Source& src, TokenList& toks, RecordStart& rec, std::string& err) {
  toks.clear();
  rec = RecordStart{};
  int depth = 0;
  const char* s = src.text.data();
  const size_t n = src.text.size();
  size_t pos = src.pos;
  auto start_record = [&] {
    if (rec.line == 0) rec.line = src.line;
  };
  auto lex_error = [&](const char* why) {
    start_record();
    err = why;
    src.pos = pos;
    skip_line(src);
    return Lex::kError;
  };
  while (pos < n) {
    switch (kClass[static_cast<uint8_t>(s[pos])]) {
      case kSpace:
        ++pos;
        continue;
      case kNewline:
        ++pos;
        ++src.line;
        if (depth == 0 && !toks.empty()) {
          src.pos = pos;
          return Lex::kRecord;
        }
        continue;
      case kSemi: {
        const char* nl = static_cast<const char*>(memchr(s + pos, '\n', n - pos));
        pos = nl ? static_cast<size_t>(nl - s) : n;
        continue;
      }
      case kOpen:
        start_record();
        ++depth;
        ++pos;
        continue;
      case kClose:
        if (depth == 0) return lex_error("')' without '('");
        --depth;
        ++pos;
        continue;
      case kQuote: {
        start_record();
        if (toks.empty() && (pos == 0 || s[pos - 1] == '\n')) rec.owner_column = true;
        size_t b = ++pos;
        while (pos < n && s[pos] != '"') {
          if (s[pos] == '\n') return lex_error("unterminated quoted string");
          pos += s[pos] == '\\' && pos + 1 < n && s[pos + 1] != '\n' ? 2 : 1;
        }
        if (pos >= n) return lex_error("unterminated quoted string");
        toks.push(std::string_view(s + b, pos - b), true);
        ++pos;
        continue;
      }
      default: {  // kPlain, kBackslash: an unquoted token
        start_record();
        if (toks.empty() && (pos == 0 || s[pos - 1] == '\n')) rec.owner_column = true;
        size_t b = pos;
        while (pos < n) {
          uint8_t cl = kClass[static_cast<uint8_t>(s[pos])];
          if (cl == kPlain) {
            ++pos;
          } else if (cl == kBackslash) {
            // An escaped character never ends the token; a line end does.
            pos += (pos + 1 < n && s[pos + 1] != '\n') ? 2 : 1;
          } else if (cl == kQuote) {
            ++pos;
            while (pos < n && s[pos] != '"') {
              if (s[pos] == '\n') return lex_error("unterminated quoted string");
              pos += s[pos] == '\\' && pos + 1 < n && s[pos + 1] != '\n' ? 2 : 1;
            }
            if (pos >= n) return lex_error("unterminated quoted string");
            ++pos;
          } else {
            break;
          }
        }
        toks.push(std::string_view(s + b, pos - b), false);
        continue;
      }
    }
  }
  src.pos = pos;
  if (depth > 0) {
    err = kUnclosedParen;
    return Lex::kError;
  }
  return toks.empty() ? Lex::kEof : Lex::kRecord;
}

// --- reader ---

// State of one file being read. An $INCLUDEd file gets its own (RFC 1035 5.1:
// it never changes the origin of the including file).
struct Context {
  dns::Name origin;
  dns::Name owner;
  bool has_owner = false;
  std::string owner_text;                // raw text `owner` was parsed from; empty if unknown
  std::optional<uint32_t> dollar_ttl;    // $TTL
  std::optional<uint32_t> explicit_ttl;  // last TTL given on a record
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string quote(std::string_view s) {
  // Built by appends: g++ 12 warns (-Wrestrict, a false positive) on "'" + s + "'".
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  out += s;
  out += '\'';
  return out;
}

// Directory part of a path ("." if none), for relative $INCLUDE paths.
std::string dir_of(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Opens a zone file for reading. Errors: the strerror text (or "is a
// directory"); returns -1 then.
int open_zone_file(const std::string& path, std::string& err) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = strerror(errno);
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    err = S_ISDIR(st.st_mode) ? "is a directory" : strerror(errno);
    close(fd);
    return -1;
  }
  return fd;
}

// Appends value formatted as a $GENERATE modifier asks: base d/o/x/X with
// zero padding to `width`, or n/N as reversed nibble labels ("a.0." for 10
// with width 4), the way BIND does it.
void format_generate(uint64_t value, unsigned width, char base, std::string& out) {
  if (base == 'n' || base == 'N') {
    const char* digits = base == 'n' ? "0123456789abcdef" : "0123456789ABCDEF";
    // Each nibble takes its digit and then a dot; `width` counts characters
    // and stops the output there, and at least one nibble is printed.
    do {
      out.push_back(digits[value & 15]);
      value >>= 4;
      if (width > 0) --width;
      if (width > 0 || value != 0) {
        out.push_back('.');
        if (width > 0) --width;
      }
    } while (value != 0 || width > 0);
    return;
  }
  const char* fmt = base == 'o'   ? "%0*llo"
                    : base == 'x' ? "%0*llx"
                    : base == 'X' ? "%0*llX"
                                  : "%0*llu";
  char buf[300];
  snprintf(buf, sizeof buf, fmt, static_cast<int>(width), static_cast<unsigned long long>(value));
  out += buf;
}

// Substitutes the iterator into a $GENERATE template: "$" is the value,
// "${offset[,width[,base]]}" a modified value, "\$" a literal '$' (the escape
// is kept: names and strings read "\$" as '$'). Errors: a message.
bool generate_substitute(std::string_view in, int64_t value, std::string& out, std::string& err) {
  for (size_t i = 0; i < in.size();) {
    char c = in[i];
    if (c == '\\') {
      out.push_back(c);
      if (i + 1 < in.size()) out.push_back(in[i + 1]);
      i += 2;
      continue;
    }
    if (c != '$') {
      out.push_back(c);
      ++i;
      continue;
    }
    int64_t offset = 0;
    unsigned width = 0;
    char base = 'd';
    if (i + 1 < in.size() && in[i + 1] == '{') {
      size_t close = in.find('}', i + 2);
      if (close == std::string_view::npos) {
        err = "unterminated ${...} in $GENERATE template " + quote(in);
        return false;
      }
      std::string_view spec = in.substr(i + 2, close - i - 2);
      std::string_view parts[3];
      size_t nparts = 0;
      bool ok = true;
      for (size_t b = 0;;) {
        size_t comma = spec.find(',', b);
        if (nparts == 3) {
          ok = false;  // more than three parts
          break;
        }
        parts[nparts++] = spec.substr(b, comma == std::string_view::npos ? comma : comma - b);
        if (comma == std::string_view::npos) break;
        b = comma + 1;
      }
      if (ok) {
        std::string_view off = parts[0];
        bool neg = !off.empty() && (off[0] == '-' || off[0] == '+');
        bool minus = !off.empty() && off[0] == '-';
        auto v = dns::parse_uint(neg ? off.substr(1) : off, 0x7FFFFFFF);
        ok = v.has_value();
        if (ok) offset = minus ? -static_cast<int64_t>(*v) : static_cast<int64_t>(*v);
      }
      if (ok && nparts >= 2) {
        auto w = dns::parse_uint(parts[1], 255);
        ok = w.has_value();
        if (ok) width = *w;
      }
      if (ok && nparts == 3) {
        ok = parts[2].size() == 1 && strchr("doxXnN", parts[2][0]) != nullptr;
        if (ok) base = parts[2][0];
      }
      if (!ok) {
        err = "bad $GENERATE modifier " + quote(in.substr(i, close - i + 1)) +
              " (expected ${offset[,width[,base]]} with base d, o, x, X, n or N)";
        return false;
      }
      i = close + 1;
    } else {
      ++i;
    }
    int64_t v = value + offset;
    if (v < 0) {
      err = "$GENERATE value " + std::to_string(v) + " is negative";
      return false;
    }
    format_generate(static_cast<uint64_t>(v), width, base, out);
  }
  return true;
}

class Reader {
 public:
  Reader(const ParseOptions& options, const RecordSink& sink) : opts_(options), sink_(sink) {}

  // Reads a buffer; `file` names it in errors and records.
  void read_text(std::string_view text, const std::string& file, Context& ctx, int depth);
  // Reads a file; errors opening it are reported at (from_file, from_line),
  // or at (path, 0) for the top-level file.
  void read_file(const std::string& path, Context& ctx, int depth, const std::string* from_file,
                 size_t from_line);
  void push_include_guard(const std::string& path) {
    char buf[PATH_MAX];
    if (realpath(path.c_str(), buf)) include_stack_.push_back(buf);
  }
  std::vector<ParseError> take_errors() { return std::move(errors_); }

 private:
  // Reading stops once max_errors errors are collected; 0 means no limit.
  bool stopped() const { return opts_.max_errors != 0 && errors_.size() >= opts_.max_errors; }
  void error(const std::string& file, size_t line, std::string msg) {
    if (!stopped()) errors_.push_back(ParseError{file, line, std::move(msg)});
  }
  void record(const std::string& file, size_t line, bool owner_column,
              std::span<const TextToken> toks, Context& ctx, int depth);
  void directive(const std::string& file, size_t line, std::span<const TextToken> toks,
                 Context& ctx, int depth);
  void generate(const std::string& file, size_t line, std::span<const TextToken> toks,
                Context& ctx);
  // Reads "[ttl] [class] type rdata..." for `owner` and hands the record to
  // the sink. Returns false after reporting an error.
  bool finish_record(const std::string& file, size_t line, std::span<const TextToken> f,
                     const dns::Name& owner, Context& ctx);

  const ParseOptions& opts_;
  const RecordSink& sink_;
  std::vector<ParseError> errors_;
  std::vector<uint8_t> rdata_;              // rdata of the current record (reused)
  std::vector<uint8_t> name_buf_;           // wire form of a new owner (reused)
  std::vector<std::string> include_stack_;  // real paths of the files being read
};

void Reader::read_text(std::string_view text, const std::string& file, Context& ctx, int depth) {
  // A UTF-8 byte order mark is not part of the zone.
  if (text.size() >= 3 && memcmp(text.data(), "\xEF\xBB\xBF", 3) == 0) text.remove_prefix(3);
  Source src{text, 0, 1};
  // One token vector per file level, reused for all its records ($INCLUDE
  // runs while the including record's tokens are still in use).
  TokenList toks;
  RecordStart rec;
  std::string err;
  while (!stopped()) {
    Lex r = next_record(src, toks, rec, err);
    if (r == Lex::kEof) break;
    if (r == Lex::kError) {
      error(file, rec.line ? rec.line : src.line, err);
      continue;
    }
    record(file, rec.line, rec.owner_column, toks.span(), ctx, depth);
  }
}

void Reader::read_file(const std::string& path, Context& ctx, int depth,
                       const std::string* from_file, size_t from_line) {
  std::string err;
  const int fd = open_zone_file(path, err);
  auto fail_read = [&](const std::string& why) {
    if (from_file)
      error(*from_file, from_line, "cannot read included file " + quote(path) + ": " + why);
    else
      error(path, 0, "cannot read zone file: " + why);
  };
  if (fd < 0) {
    fail_read(err);
    return;
  }
  // The file is read in chunks of whole lines, so that a large zone never
  // sits in memory twice (as text and as records): ~30 MB less to allocate
  // and fault in for a 1M-record zone. A record whose parentheses run past
  // the chunk is read again with the next one.
  constexpr size_t kChunk = size_t{1} << 20;
  ByteVector buf;
  buf.resize(kChunk);
  size_t have = 0, line = 1;
  bool eof = false, first = true;
  TokenList toks;
  RecordStart rec;
  while (!stopped()) {
    while (!eof && have < buf.size()) {
      ssize_t r = read(fd, buf.data() + have, buf.size() - have);
      if (r < 0) {
        if (errno == EINTR) continue;
        fail_read(strerror(errno));
        close(fd);
        return;
      }
      if (r == 0)
        eof = true;
      else
        have += static_cast<size_t>(r);
    }
    const char* text = reinterpret_cast<const char*>(buf.data());
    size_t begin = 0;
    if (first) {
      first = false;
      // A UTF-8 byte order mark is not part of the zone.
      if (have >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) begin = 3;
    }
    size_t usable = have;  // whole lines only, until the end of the file
    if (!eof) {
      const void* nl = memrchr(text + begin, '\n', have - begin);
      usable = nl ? static_cast<size_t>(static_cast<const char*>(nl) - text) + 1 : begin;
    }
    Source src{std::string_view(text, usable), begin, line};
    size_t consumed = begin;
    bool incomplete = false;
    while (!stopped()) {
      const size_t before = src.pos, before_line = src.line;
      Lex r = next_record(src, toks, rec, err);
      if (r == Lex::kEof) break;
      if (r == Lex::kError) {
        if (!eof && err == kUnclosedParen) {  // continues in the next chunk
          src.pos = before;
          src.line = before_line;
          incomplete = true;
          break;
        }
        error(path, rec.line ? rec.line : src.line, err);
        consumed = src.pos;
        continue;
      }
      record(path, rec.line, rec.owner_column, toks.span(), ctx, depth);
      consumed = src.pos;
    }
    if (!incomplete) consumed = src.pos;
    line = src.line;
    if (eof && !incomplete) break;
    // Keep the unread tail; grow when one record fills the whole buffer.
    memmove(buf.data(), buf.data() + consumed, have - consumed);
    have -= consumed;
    if (have == buf.size()) {
      ByteVector bigger;
      bigger.resize(buf.size() * 2);
      memcpy(bigger.data(), buf.data(), have);
      buf = std::move(bigger);
    }
  }
  close(fd);
}

void Reader::record(const std::string& file, size_t line, bool owner_column,
                    std::span<const TextToken> toks, Context& ctx, int depth) {
  size_t i = 0;
  if (owner_column) {
    const TextToken& o = toks[0];
    if (!o.quoted && !o.text.empty() && o.text[0] == '$') {
      directive(file, line, toks, ctx, depth);
      return;
    }
    i = 1;
    // Consecutive records of one owner are the rule: skip the name parse.
    if (!ctx.has_owner || ctx.owner_text.empty() || o.text != ctx.owner_text) {
      name_buf_.clear();
      auto r = dns::append_name(o.text, ctx.origin, name_buf_);
      if (!r) {
        // Records that inherit this owner must not land on the previous one.
        ctx.has_owner = false;
        ctx.owner_text.clear();
        error(file, line, "bad owner name: " + r.error());
        return;
      }
      ctx.owner.assign_wire(name_buf_.data());
      ctx.owner_text.assign(o.text);
      ctx.has_owner = true;
    }
  } else if (!ctx.has_owner) {
    error(file, line,
          "no owner name: the line starts with a blank and there is no valid previous owner");
    return;
  }
  finish_record(file, line, toks.subspan(i), ctx.owner, ctx);
}

bool Reader::finish_record(const std::string& file, size_t line, std::span<const TextToken> f,
                           const dns::Name& owner, Context& ctx) {
  // RFC 1035 5.1: [<TTL>] [<class>] <type> <RDATA> or [<class>] [<TTL>] <type> <RDATA>.
  // A type mnemonic never starts with a digit and a TTL always does.
  std::optional<uint32_t> ttl;
  uint16_t type = 0;
  bool have_type = false;
  bool have_class = false;
  size_t i = 0;
  for (; i < f.size() && !f[i].quoted; ++i) {
    std::string_view t = f[i].text;
    if (t.empty()) break;
    if (is_digit(t[0])) {
      if (ttl) {
        error(file, line, "TTL given twice");
        return false;
      }
      ttl = dns::parse_ttl(t, dns::kMaxTtl);
      if (!ttl) {
        error(file, line,
              "bad TTL " + quote(t) + " (seconds or units like 1h30m, at most 2147483647)");
        return false;
      }
      continue;
    }
    std::optional<uint16_t> cls;
    if (t.size() == 2 && (t[0] | 0x20) == 'i' && (t[1] | 0x20) == 'n') {
      cls = dns::rrclass::kIN;  // the usual case, without a table search
    } else {
      auto ty = dns::parse_type(t);
      // "ANY" is both a type and a class: before another field it is the class.
      if (ty && !(*ty == dns::rrtype::kANY && i + 1 < f.size())) {
        type = *ty;
        have_type = true;
        break;
      }
      cls = dns::class_from_text(t);
      if (!cls) break;
    }
    if (have_class) {
      error(file, line, "class given twice");
      return false;
    }
    if (*cls != dns::rrclass::kIN) {
      error(file, line, "class " + dns::class_to_text(*cls) + " not supported: zone class is IN");
      return false;
    }
    have_class = true;
  }
  if (i >= f.size()) {
    error(file, line, "missing RR type");
    return false;
  }
  if (!have_type) {
    error(file, line, "unknown RR type " + quote(f[i].text));
    return false;
  }
  if (dns::is_meta_type(type) || type == 0) {
    error(file, line, "type " + dns::type_to_text(type) + " cannot appear in a zone file");
    return false;
  }
  rdata_.clear();
  auto r = dns::rdata_from_text(type, f.subspan(i + 1), ctx.origin, rdata_);
  if (!r) {
    error(file, line, r.error());
    return false;
  }
  uint32_t use_ttl;
  if (ttl) {
    ctx.explicit_ttl = *ttl;
    use_ttl = *ttl;
  } else if (ctx.dollar_ttl) {
    use_ttl = *ctx.dollar_ttl;
  } else if (ctx.explicit_ttl) {
    use_ttl = *ctx.explicit_ttl;
  } else {
    use_ttl = opts_.default_ttl;
  }
  if (sink_) {
    ParsedRecord rec{owner, type, dns::rrclass::kIN, use_ttl, rdata_, file, line};
    sink_(rec);
  }
  return true;
}

void Reader::directive(const std::string& file, size_t line, std::span<const TextToken> toks,
                       Context& ctx, int depth) {
  std::string_view d = toks[0].text;
  auto is = [&](const char* name) {
    if (d.size() != strlen(name)) return false;
    for (size_t k = 0; k < d.size(); ++k)
      if ((d[k] & ~0x20) != (name[k] & ~0x20)) return false;
    return true;
  };
  const size_t nargs = toks.size() - 1;
  if (is("$ORIGIN")) {
    if (nargs != 1) return error(file, line, "$ORIGIN takes one name");
    auto o = dns::Name::parse(toks[1].text, ctx.origin);  // relative: to the current origin
    if (!o) return error(file, line, "bad $ORIGIN: " + o.error());
    ctx.origin = std::move(*o);
    ctx.owner_text.clear();  // the same owner text may now mean another name
    return;
  }
  if (is("$TTL")) {
    if (nargs != 1) return error(file, line, "$TTL takes one TTL");
    auto t = dns::parse_ttl(toks[1].text, dns::kMaxTtl);
    if (!t) return error(file, line, "bad $TTL " + quote(toks[1].text));
    ctx.dollar_ttl = *t;
    return;
  }
  if (is("$INCLUDE")) {
    if (nargs < 1 || nargs > 2)
      return error(file, line, "$INCLUDE takes a file name and an optional origin");
    if (!opts_.allow_include) return error(file, line, "$INCLUDE is not allowed here");
    if (depth + 1 > opts_.max_include_depth)
      return error(
          file, line,
          "$INCLUDE nested more than " + std::to_string(opts_.max_include_depth) + " deep");
    std::vector<uint8_t> name_bytes;
    if (auto r = dns::unescape_text(toks[1].text, name_bytes); !r || name_bytes.empty())
      return error(file, line, "bad $INCLUDE file name " + quote(toks[1].text));
    std::string path(name_bytes.begin(), name_bytes.end());
    if (path[0] != '/') path = dir_of(file) + "/" + path;
    Context child;
    child.origin = ctx.origin;
    if (nargs == 2) {
      auto o = dns::Name::parse(toks[2].text, ctx.origin);
      if (!o) return error(file, line, "bad $INCLUDE origin: " + o.error());
      child.origin = std::move(*o);
    }
    // As in BIND, the included file may start with a blank owner that means
    // the includer's current owner.
    child.owner = ctx.owner;
    child.has_owner = ctx.has_owner;
    child.dollar_ttl = ctx.dollar_ttl;
    child.explicit_ttl = ctx.explicit_ttl;
    char real[PATH_MAX];
    if (!realpath(path.c_str(), real))
      return error(file, line, "cannot read included file " + quote(path) + ": " + strerror(errno));
    for (const auto& p : include_stack_)
      if (p == real)
        return error(file, line, "$INCLUDE loop: " + quote(path) + " is already being read");
    include_stack_.emplace_back(real);
    read_file(path, child, depth + 1, &file, line);
    include_stack_.pop_back();
    return;
  }
  if (is("$GENERATE")) return generate(file, line, toks, ctx);
  error(file, line, "unknown directive " + quote(d));
}

void Reader::generate(const std::string& file, size_t line, std::span<const TextToken> toks,
                      Context& ctx) {
  // $GENERATE start-stop[/step] lhs [ttl] [class] type rhs...
  if (toks.size() < 5)
    return error(file, line, "$GENERATE needs a range, an owner, a type and rdata");
  std::string_view range = toks[1].text;
  size_t dash = range.find('-');
  size_t slash = range.find('/');
  std::optional<uint32_t> start, stop, step = 1;
  if (dash != std::string_view::npos && (slash == std::string_view::npos || slash > dash)) {
    start = dns::parse_uint(range.substr(0, dash), 0x7FFFFFFF);
    size_t stop_end = slash == std::string_view::npos ? range.size() : slash;
    stop = dns::parse_uint(range.substr(dash + 1, stop_end - dash - 1), 0x7FFFFFFF);
    if (slash != std::string_view::npos)
      step = dns::parse_uint(range.substr(slash + 1), 0x7FFFFFFF);
  }
  if (!start || !stop || !step || *step == 0 || *start > *stop)
    return error(
        file, line,
        "bad $GENERATE range " + quote(range) + " (expected start-stop[/step], start <= stop)");
  uint64_t count = (static_cast<uint64_t>(*stop) - *start) / *step + 1;
  if (count > kMaxGenerate)
    return error(file, line,
                 "$GENERATE range " + quote(range) + " makes " + std::to_string(count) +
                     " records, more than the limit of " + std::to_string(kMaxGenerate));
  std::string text, err;
  TokenList gtoks;
  dns::Name owner;
  for (uint64_t v = *start; v <= *stop; v += *step) {
    // Build the record's text with the value substituted, then tokenize it
    // as one line: a quoted rhs ("10 mx$") becomes several fields, as in BIND.
    text.clear();
    for (size_t k = 2; k < toks.size(); ++k) {
      if (k > 2) text.push_back(' ');
      if (!generate_substitute(toks[k].text, static_cast<int64_t>(v), text, err))
        return error(file, line, err);
    }
    Source src{text, 0, 1};
    RecordStart rec;
    if (next_record(src, gtoks, rec, err) != Lex::kRecord)
      return error(file, line,
                   "$GENERATE: " + (err.empty() ? std::string("nothing to generate") : err));
    name_buf_.clear();
    auto r = dns::append_name(gtoks.span()[0].text, ctx.origin, name_buf_);
    if (!r) return error(file, line, "$GENERATE: bad owner name: " + r.error());
    owner = dns::Name::from_wire(name_buf_.data());
    if (!finish_record(file, line, gtoks.span().subspan(1), owner, ctx))
      return;  // one error per directive, not one per value
  }
}

}  // namespace

std::vector<ParseError> parse_zone_file(const std::string& path, const ParseOptions& options,
                                        const RecordSink& sink) {
  Reader reader(options, sink);
  Context ctx;
  ctx.origin = options.origin;
  reader.push_include_guard(path);
  reader.read_file(path, ctx, 0, nullptr, 0);
  return reader.take_errors();
}

std::vector<ParseError> parse_zone_text(std::string_view text, const std::string& filename,
                                        const ParseOptions& options, const RecordSink& sink) {
  Reader reader(options, sink);
  Context ctx;
  ctx.origin = options.origin;
  reader.push_include_guard(filename);
  reader.read_text(text, filename, ctx, 0);
  return reader.take_errors();
}

}  // namespace tandem::zone
