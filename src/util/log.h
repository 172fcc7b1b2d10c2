// Minimal leveled logging to stderr, one line per call, safe from any thread.
// Not for the query hot path (it formats and locks).
#pragma once

#include <cstdarg>

namespace tandem::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

void set_level(Level level);
Level level();

void write(Level level, const char* fmt, ...) __attribute__((format(printf, 2, 3)));

#define TANDEM_LOG_DEBUG(...) ::tandem::log::write(::tandem::log::Level::kDebug, __VA_ARGS__)
#define TANDEM_LOG_INFO(...) ::tandem::log::write(::tandem::log::Level::kInfo, __VA_ARGS__)
#define TANDEM_LOG_WARN(...) ::tandem::log::write(::tandem::log::Level::kWarning, __VA_ARGS__)
#define TANDEM_LOG_ERROR(...) ::tandem::log::write(::tandem::log::Level::kError, __VA_ARGS__)

}  // namespace tandem::log
