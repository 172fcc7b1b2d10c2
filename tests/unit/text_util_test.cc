#include "audit/text_util.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace tandem::audit {
namespace {

TEST(TextUtil, Join) {
  EXPECT_EQ(join({}, ", "), "");
  EXPECT_EQ(join({"a"}, ", "), "a");
  EXPECT_EQ(join({"a", "b", "c"}, "; "), "a; b; c");
}

TEST(TextUtil, Trim) {
  EXPECT_EQ(trim(" \t a b \r"), "a b");
  EXPECT_EQ(trim(" \t\r"), "");
  EXPECT_EQ(trim("x"), "x");
}

TEST(TextUtil, ListLinesSkipsCommentsAndBlanksAndCountsEveryLine) {
  ListLines lines("# header\n  a.example  \r\n\n b # note\n#\nc");
  std::vector<std::pair<size_t, std::string>> got;
  for (std::string_view line; lines.next(line);) got.emplace_back(lines.line_no(), line);
  const std::vector<std::pair<size_t, std::string>> want = {{2, "a.example"}, {4, "b"}, {6, "c"}};
  EXPECT_EQ(got, want);
  std::string_view line;
  EXPECT_FALSE(lines.next(line));
  ListLines empty("");
  EXPECT_FALSE(empty.next(line));
}

}  // namespace
}  // namespace tandem::audit
