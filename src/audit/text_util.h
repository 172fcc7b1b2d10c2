// Small text helpers shared by the audit's input parsers and report writers.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tandem::audit {

// `items` with `sep` between them ("a, b, c").
std::string join(const std::vector<std::string>& items, const char* sep);

// `s` without leading and trailing spaces, tabs and CRs (a CRLF file's CR).
std::string_view trim(std::string_view s);

// Walks the lines of a list file (domains, provider rules): each line loses
// a '#' comment and surrounding blanks, and lines left empty are skipped.
//   ListLines lines(text);
//   for (std::string_view line; lines.next(line);) use(lines.line_no(), line);
class ListLines {
 public:
  explicit ListLines(std::string_view text) : text_(text) {}

  // The next line with content; false once the text is used up.
  bool next(std::string_view& line);
  // 1-based number of the line last returned, for "file:line: ..." messages.
  size_t line_no() const { return line_no_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  size_t line_no_ = 0;
};

}  // namespace tandem::audit
