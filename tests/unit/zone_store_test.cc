#include "store/zone_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "util/log.h"
#include "zone/records.h"
#include "zone/writer.h"
#include "zone/zone_data.h"

namespace tandem::store {
namespace {

namespace fs = std::filesystem;

dns::Name name(const char* text) { return dns::Name::parse_absolute(text).value(); }

// Every record of a zone as one comparable string, sorted: the record set.
std::vector<std::string> record_set(const zone::Zone& zone) {
  std::vector<std::string> out;
  zone::for_each_record(zone.data(), [&](const zone::RecordView& r) {
    std::string key(reinterpret_cast<const char*>(r.owner.data()), r.owner.size());
    key += '|' + std::to_string(r.type) + '|' + std::to_string(r.ttl) + '|';
    key.append(reinterpret_cast<const char*>(r.rdata.data()), r.rdata.size());
    out.push_back(std::move(key));
  });
  std::sort(out.begin(), out.end());
  return out;
}

// A zone of `serial` with `n` extra records whose rdata depends on `flavour`.
std::shared_ptr<const zone::Zone> make_zone(const char* origin, uint32_t serial, int n,
                                            char flavour = 'a') {
  std::string text = "@ 3600 IN SOA ns hostmaster " + std::to_string(serial) +
                     " 3600 600 86400 60\n@ 3600 IN NS ns\nns 3600 IN A 192.0.2.1\n";
  for (int i = 0; i < n; ++i) {
    if (flavour == 'a')
      text += "host-" + std::to_string(i) + " 300 IN A 10." + std::to_string(i >> 16 & 255) + '.' +
              std::to_string(i >> 8 & 255) + '.' + std::to_string(i & 255) + '\n';
    else
      text += "txt-" + std::to_string(i) + " 600 IN TXT \"version b record " + std::to_string(i) +
              "\"\n";
  }
  zone::LoadResult r = zone::load_zone_text(name(origin), text, "generated");
  for (const auto& e : r.errors) ADD_FAILURE() << e.to_string();
  return r.zone;
}

bool same_meta(const ZoneMeta& a, const ZoneMeta& b) {
  return a.serial == b.serial && a.refreshed_at == b.refreshed_at && a.expire == b.expire &&
         a.primary == b.primary;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// A fresh directory, removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "tandem-store-XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(FileBase, LowerCaseEscapedAndUnique) {
  EXPECT_EQ(file_base(name("example.org.")), "example.org");
  EXPECT_EQ(file_base(name("Example.ORG.")), "example.org");
  EXPECT_EQ(file_base(dns::Name()), "root");
  EXPECT_EQ(file_base(name("root.")), "%72oot");
  EXPECT_EQ(file_base(name("_tcp.x-y.example.")), "_tcp.x-y.example");
  EXPECT_EQ(file_base(name("a\\.b.example.")), "a%2eb.example");
  EXPECT_EQ(file_base(name("a/b~c%d\\032e.example.")), "a%2fb%7ec%25d%20e.example");
  EXPECT_EQ(file_base(name("\\000\\255.")), "%00%ff");

  // Long names with many escapes: cut, with a hash that keeps them apart.
  std::string long1, long2;
  for (int i = 0; i < 3; ++i) long1 += std::string(60, '~') + '.';
  long2 = long1;
  long1 += "a.";
  long2 += "b.";
  std::string b1 = file_base(name(long1.c_str())), b2 = file_base(name(long2.c_str()));
  EXPECT_LE(b1.size(), 200u);
  EXPECT_NE(b1.find('+'), std::string::npos);
  EXPECT_NE(b1, b2);

  ZoneStore store("/var/lib/tandem/");
  EXPECT_EQ(store.zone_path(name("Example.org.")), "/var/lib/tandem/example.org.zone");
  EXPECT_EQ(store.meta_path(name("example.org.")), "/var/lib/tandem/example.org.meta");
  EXPECT_EQ(store.zone_path(dns::Name()), "/var/lib/tandem/root.zone");
}

TEST(ZoneStore, SaveThenLoadGivesTheSameZoneAndMeta) {
  TempDir dir;
  ZoneStore store(dir.path());
  auto zone = make_zone("example.org.", 2024120401, 100);
  ASSERT_TRUE(zone);
  EXPECT_FALSE(store.load(zone->origin())) << "nothing stored yet";

  ZoneMeta meta{2024120401, 1'733'300'000, 1'209'600, "192.0.2.53@53 key=x %41\nnext"};
  auto saved = store.save(*zone, meta);
  ASSERT_TRUE(saved) << saved.error();
  EXPECT_EQ(list_dir(dir.path()),
            (std::vector<std::string>{"example.org.meta", "example.org.zone"}));

  auto loaded = store.load(name("EXAMPLE.org."));
  ASSERT_TRUE(loaded);
  ASSERT_TRUE(loaded->load.zone) << loaded->load.errors[0].to_string();
  EXPECT_TRUE(loaded->load.errors.empty());
  EXPECT_EQ(loaded->load.zone->serial(), 2024120401u);
  EXPECT_EQ(record_set(*loaded->load.zone), record_set(*zone));
  ASSERT_TRUE(loaded->meta);
  EXPECT_TRUE(same_meta(*loaded->meta, meta)) << loaded->meta->primary;

  // The zone file is readable text that starts with our header.
  EXPECT_EQ(read_file(store.zone_path(zone->origin()))
                .rfind("; written by tandem: zone example.org., serial 2024120401", 0),
            0u);
}

TEST(ZoneStore, SaveMetaRewritesOnlyTheMeta) {
  TempDir dir;
  ZoneStore store(dir.path());
  auto zone = make_zone("example.org.", 7, 10);
  ASSERT_TRUE(zone);
  ASSERT_TRUE(store.save(*zone, {7, 100, 3600, "p1"}));
  const std::string zone_text = read_file(store.zone_path(zone->origin()));
  ASSERT_TRUE(store.save_meta(zone->origin(), {7, 200, 7200, "p2"}));
  EXPECT_EQ(read_file(store.zone_path(zone->origin())), zone_text);
  auto loaded = store.load(zone->origin());
  ASSERT_TRUE(loaded && loaded->meta);
  EXPECT_TRUE(same_meta(*loaded->meta, {7, 200, 7200, "p2"}));
}

TEST(ZoneStore, MetaWithoutZoneIsNothingStored) {
  TempDir dir;
  ZoneStore store(dir.path());
  ASSERT_TRUE(store.save_meta(name("example.org."), {1, 2, 3, ""}));
  EXPECT_FALSE(store.load(name("example.org.")));
}

TEST(ZoneStore, MetaOfAnOlderSerialIsKeptAsStored) {
  // A crash between the zone's rename and the meta's: new zone, old meta.
  TempDir dir;
  ZoneStore store(dir.path());
  auto v1 = make_zone("example.org.", 1, 5);
  auto v2 = make_zone("example.org.", 2, 6, 'b');
  ASSERT_TRUE(v1 && v2);
  ASSERT_TRUE(store.save(*v1, {1, 1000, 86400, "p"}));
  ASSERT_TRUE(write_zone_file_atomically(*v2, store.zone_path(v2->origin())));
  auto loaded = store.load(v2->origin());
  ASSERT_TRUE(loaded && loaded->load.zone && loaded->meta);
  EXPECT_EQ(loaded->load.zone->serial(), 2u);
  EXPECT_EQ(record_set(*loaded->load.zone), record_set(*v2));
  EXPECT_TRUE(same_meta(*loaded->meta, {1, 1000, 86400, "p"}));
}

TEST(ZoneStore, AnyDamageToTheMetaMakesItMissing) {
  TempDir dir;
  ZoneStore store(dir.path());
  auto zone = make_zone("example.org.", 5, 3);
  ASSERT_TRUE(zone);
  const ZoneMeta meta{5, 1'733'300'000, 604800, "192.0.2.1"};
  ASSERT_TRUE(store.save(*zone, meta));
  const std::string path = store.meta_path(zone->origin());
  const std::string good = read_file(path);
  ASSERT_TRUE(parse_meta(zone->origin(), good));

  // Every single-bit flip of three kinds, at every offset, through load()
  // (which warns about each: keep the test output short).
  struct QuietLog {
    log::Level saved = log::level();
    QuietLog() { log::set_level(log::Level::kError); }
    ~QuietLog() { log::set_level(saved); }
  };
  std::optional<QuietLog> quiet(std::in_place);
  for (size_t i = 0; i < good.size(); ++i) {
    for (uint8_t bit : {0x01, 0x20, 0x80}) {
      std::string bad = good;
      bad[i] = static_cast<char>(bad[i] ^ bit);
      write_file(path, bad);
      auto loaded = store.load(zone->origin());
      ASSERT_TRUE(loaded);
      EXPECT_TRUE(loaded->load.zone) << "the zone itself is fine";
      EXPECT_FALSE(loaded->meta) << "flip 0x" << std::hex << int{bit} << " at " << std::dec << i;
    }
  }
  quiet.reset();
  // Torn writes: every proper prefix.
  for (size_t n = 0; n < good.size(); ++n)
    EXPECT_FALSE(parse_meta(zone->origin(), good.substr(0, n))) << "prefix " << n;
  EXPECT_FALSE(parse_meta(zone->origin(), good + "x\n")) << "trailing data";
  // A valid meta of another zone (a file copied by hand).
  EXPECT_FALSE(parse_meta(zone->origin(), format_meta(name("example.net."), meta)));

  write_file(path, good);
  auto loaded = store.load(zone->origin());
  ASSERT_TRUE(loaded && loaded->meta);
  EXPECT_TRUE(same_meta(*loaded->meta, meta));
}

TEST(ZoneStore, MetaFormatIsKeyValueLinesWithAChecksum) {
  const std::string text = format_meta(name("example.org."), {42, -5, 3600, "a%b"});
  EXPECT_NE(text.find("\norigin=example.org.\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nserial=42\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nrefreshed_at=-5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nexpire=3600\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nprimary=a%25b\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nfnv1a64="), std::string::npos) << text;
  auto back = parse_meta(name("example.org."), text);
  ASSERT_TRUE(back);
  EXPECT_TRUE(same_meta(*back, {42, -5, 3600, "a%b"}));
}

TEST(ZoneStore, BadZoneFileIsReportedAndKept) {
  TempDir dir;
  ZoneStore store(dir.path());
  const std::string path = store.zone_path(name("example.org."));
  const std::string garbage = "$ORIGIN example.org.\n@ 60 IN SOA this is not a soa\n";
  write_file(path, garbage);
  auto loaded = store.load(name("example.org."));
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(loaded->load.zone);
  ASSERT_FALSE(loaded->load.errors.empty());
  EXPECT_EQ(loaded->load.errors[0].file, path);
  EXPECT_EQ(read_file(path), garbage) << "never deleted or changed";
}

TEST(ZoneStore, LoadRemovesOnlyItsOwnStaleTemporaryFiles) {
  TempDir dir;
  ZoneStore store(dir.path());
  auto zone = make_zone("example.org.", 3, 2);
  ASSERT_TRUE(zone && store.save(*zone, {3, 1, 1, ""}));
  for (const char* n : {"example.org.zone~123.0.ab", "example.org.meta~9", "example.net.zone~1",
                        "sub.example.org.zone~5", "example.org.zone.bak"})
    write_file(dir.path() + "/" + n, "x");
  ASSERT_TRUE(store.load(zone->origin()));
  EXPECT_EQ(list_dir(dir.path()),
            (std::vector<std::string>{"example.net.zone~1", "example.org.meta", "example.org.zone",
                                      "example.org.zone.bak", "sub.example.org.zone~5"}));
}

TEST(ZoneStore, WriteZoneFileAtomically) {
  TempDir dir;
  auto zone = make_zone("example.org.", 9, 20);
  ASSERT_TRUE(zone);
  const std::string path = dir.path() + "/copy.db";
  write_file(path, "old content");
  auto r = write_zone_file_atomically(*zone, path);
  ASSERT_TRUE(r) << r.error();
  EXPECT_EQ(list_dir(dir.path()), std::vector<std::string>{"copy.db"});
  zone::LoadResult back = zone::load_zone_file(zone->origin(), path);
  ASSERT_TRUE(back.zone);
  EXPECT_EQ(record_set(*back.zone), record_set(*zone));

  auto bad = write_zone_file_atomically(*zone, dir.path() + "/no/such/dir/x.zone");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("/no/such/dir/x.zone~"), std::string::npos) << bad.error();
  EXPECT_NE(bad.error().find("No such file or directory"), std::string::npos) << bad.error();

  ZoneStore store(dir.path() + "/missing");
  auto bad2 = store.save(*zone, {});
  ASSERT_FALSE(bad2);
  EXPECT_NE(bad2.error().find("/missing/example.org.zone~"), std::string::npos) << bad2.error();
}

// Atomicity under kill -9: a child saves zone A (serial 1) and zone B (serial
// 2, other records) in turn as fast as it can; the parent kills it at a
// random moment, then load() must find exactly A or B, whole, or nothing if
// the first save had not finished; and no temporary file may survive load().
TEST(ZoneStore, KillDuringSaveLeavesOldOrNewNeverHalf) {
  constexpr int kRounds = 20;
  constexpr int kRecords = 20000;
  uint32_t seed = std::random_device{}();
  if (const char* s = std::getenv("TANDEM_TEST_SEED"))
    seed = static_cast<uint32_t>(std::strtoul(s, nullptr, 10));
  std::printf("[ seed     ] TANDEM_TEST_SEED=%u\n", seed);
  std::fflush(stdout);
  std::mt19937 rng(seed);

  auto a = make_zone("example.org.", 1, kRecords, 'a');
  auto b = make_zone("example.org.", 2, kRecords, 'b');
  ASSERT_TRUE(a && b);
  const auto set_a = record_set(*a), set_b = record_set(*b);
  ASSERT_NE(set_a, set_b);
  const ZoneMeta meta_a{1, 1000, 86400, "primary-a"}, meta_b{2, 2000, 172800, "primary-b"};

  TempDir top;
  // How long one save takes here (warm: the second one), so that the kills
  // spread over a few saves whatever the disk's speed.
  ASSERT_TRUE(ZoneStore(top.path()).save(*a, meta_a));
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(ZoneStore(top.path()).save(*b, meta_b));
  auto save_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::uniform_int_distribution<long> delay_us(0, std::min<long>(4 * save_us + 2000, 200'000));

  int outcomes[3] = {0, 0, 0};  // nothing, A, B
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < kRounds; ++round) {
    const std::string dir = top.path() + "/r" + std::to_string(round);
    ASSERT_TRUE(fs::create_directory(dir));
    const long delay = delay_us(rng);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ZoneStore store(dir);
      for (;;) {
        if (!store.save(*a, meta_a) || !store.save(*b, meta_b)) ::_exit(3);
      }
    }
    ::usleep(static_cast<useconds_t>(delay));
    ::kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child failed: " << status;

    SCOPED_TRACE("round " + std::to_string(round) + ", delay " + std::to_string(delay) + " us");
    ZoneStore store(dir);
    auto loaded = store.load(a->origin());
    if (!loaded) {
      ++outcomes[0];
      EXPECT_FALSE(fs::exists(store.meta_path(a->origin())));
    } else {
      ASSERT_TRUE(loaded->load.zone) << loaded->load.errors[0].to_string();
      const auto got = record_set(*loaded->load.zone);
      const bool is_a = got == set_a, is_b = got == set_b;
      EXPECT_TRUE(is_a || is_b) << got.size() << " records, serial " << loaded->load.zone->serial();
      EXPECT_EQ(loaded->load.zone->serial(), is_a ? 1u : 2u);
      ++outcomes[is_a ? 1 : 2];
      // The meta is A's or B's, whole, or absent if the first meta write was cut.
      if (loaded->meta) {
        EXPECT_TRUE(same_meta(*loaded->meta, meta_a) || same_meta(*loaded->meta, meta_b));
      }
    }
    for (const std::string& n : list_dir(dir))
      EXPECT_TRUE(n == "example.org.zone" || n == "example.org.meta") << "left behind: " << n;
    fs::remove_all(dir);
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[ outcomes ] nothing %d, A %d, B %d in %.2f s (one save: %ld us)\n", outcomes[0],
              outcomes[1], outcomes[2], secs, static_cast<long>(save_us));
  EXPECT_GT(outcomes[1] + outcomes[2], 0) << "no kill came after a complete save";
  EXPECT_LT(secs, 10.0);
}

}  // namespace
}  // namespace tandem::store
