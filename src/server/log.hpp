// Server diagnostics on stderr: one line per event, written with a single write(2) so lines
// from different threads never interleave. Warnings (a runtime that failed to build) and errors
// (always with the request id, so a client's error body can be matched to the log line).
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <ctime>
#include <string_view>

namespace forkbox::server {

inline void log_line(std::string_view level, std::string_view text) {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  tm utc{};
  ::gmtime_r(&ts.tv_sec, &utc);
  fmt::memory_buffer line;
  fmt::format_to(std::back_inserter(line), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} {}\n",
                 utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                 utc.tm_sec, ts.tv_nsec / 1'000'000, level, text);
  // A failed write to stderr has nowhere to be reported; drop it.
  [[maybe_unused]] ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
}

template <typename... Args>
void log_warning(fmt::format_string<Args...> f, Args&&... args) {
  log_line("warning", fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
void log_info(fmt::format_string<Args...> f, Args&&... args) {
  log_line("info", fmt::format(f, std::forward<Args>(args)...));
}

template <typename... Args>
void log_error(fmt::format_string<Args...> f, Args&&... args) {
  log_line("error", fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace forkbox::server
