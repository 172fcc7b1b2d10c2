#include "util/serial.h"

namespace tandem::util {

const char* serial_order_text(SerialOrder order) {
  switch (order) {
    case SerialOrder::kLess:
      return "older";
    case SerialOrder::kEqual:
      return "equal";
    case SerialOrder::kGreater:
      return "newer";
    case SerialOrder::kUndefined:
      return "undefined";
  }
  return "?";
}

}  // namespace tandem::util
