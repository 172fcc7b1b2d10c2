#include "util/result.h"

namespace tandem {

const char* errc_text(Errc e) {
  switch (e) {
    case Errc::kTruncated: return "truncated";
    case Errc::kMalformed: return "malformed";
    case Errc::kNameTooLong: return "name too long";
    case Errc::kLabelTooLong: return "label too long";
    case Errc::kBadPointer: return "bad compression pointer";
    case Errc::kNoSpace: return "no space";
    case Errc::kUnsupported: return "unsupported";
  }
  return "unknown error";
}

}  // namespace tandem
