// The Linux system-call personality shared by both engines. It turns a guest system call
// (architecture number + raw argument registers) into host work under forkbox's rules:
// files are read-only and only inside directories the caller allows, stdio is passed through
// or captured with a limit, signals are recorded but never delivered, and anything not
// implemented returns -ENOSYS and is counted.
//
// A Personality is a value: copying it copies the fd table, signal dispositions and counters,
// which is exactly what forking a sandbox needs. It is not thread-safe; one guest, one thread.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "linux/guest_memory.hpp"
#include "linux/syscall.hpp"

namespace forkbox::os {

// Where the guest's standard streams go.
struct StdioConfig {
  // Guest stdin reads from this host fd when set, otherwise from `stdin_data`.
  std::optional<int> stdin_host_fd;
  std::string stdin_data;
  // Guest stdout/stderr go to these host fds when set, otherwise into captured buffers.
  std::optional<int> stdout_host_fd;
  std::optional<int> stderr_host_fd;
  // Bytes of stdout+stderr a guest may produce before it is stopped with kOutputLimit. Why 64
  // MiB: far above what an ordinary program prints, small enough that a flood cannot exhaust
  // the host.
  uint64_t output_limit = 64ull << 20;
};

struct PersonalityConfig {
  Arch arch = Arch::kRiscv64;
  // Host directories (absolute, canonical) the guest may open files under, read-only.
  // Empty by default: the guest sees no host files at all.
  std::vector<std::string> allow_read;
  StdioConfig stdio;
  // Stop with kPause the first time the guest reads stdin (the template ready point).
  bool pause_on_stdin_read = false;
};

struct SyscallStats {
  uint64_t total = 0;
  std::map<std::string, uint64_t> by_name;     // implemented calls, by name
  std::map<uint64_t, uint64_t> unknown_by_nr;  // calls that returned -ENOSYS, by number
};

class FdTable;  // personality-internal

class Personality {
 public:
  explicit Personality(PersonalityConfig config);
  Personality(const Personality&);
  Personality& operator=(const Personality&);
  Personality(Personality&&) noexcept;
  Personality& operator=(Personality&&) noexcept;
  ~Personality();

  // Serves one system call. Guest pointers in `req` are hostile and are checked through `mem`.
  [[nodiscard]] SyscallOutcome handle(const SyscallRequest& req, GuestMemory& mem);

  // Captured output (empty for streams passed through to a host fd).
  [[nodiscard]] const std::string& captured_stdout() const;
  [[nodiscard]] const std::string& captured_stderr() const;
  [[nodiscard]] const SyscallStats& stats() const { return stats_; }
  [[nodiscard]] const PersonalityConfig& config() const { return config_; }
  // Stop pausing at stdin reads (called when a template is resumed with its input).
  void set_pause_on_stdin_read(bool on) { config_.pause_on_stdin_read = on; }
  // Replace the stdin source (a fork receiving its request input).
  void set_stdin_data(std::string data);
  // Start a fork's own accounting: empty captured output, output limit counted from zero,
  // statistics from zero.
  void begin_fork();
  // The whole personality (configuration, fd table, process state, /tmp) as bytes for a
  // snapshot file, and back. Host fds cannot be saved: encode() refuses (nullopt) a
  // personality whose stdio passes through to host fds. decode() re-opens host files under the
  // saved allow-list and fails with a one-line reason on an inconsistent input. Statistics and
  // captured output are not kept (a fork starts both from zero anyway).
  [[nodiscard]] std::optional<std::string> encode() const;
  [[nodiscard]] static std::expected<Personality, std::string> decode(std::string_view bytes);
  // Output limit for this guest (a request may ask for less than the configured default).
  void set_output_limit(uint64_t bytes) { config_.stdio.output_limit = bytes; }

 private:
  PersonalityConfig config_;
  SyscallStats stats_;
  std::unique_ptr<FdTable> fds_;
  // Further state (signal dispositions, cwd, ...) lives in the implementation files.
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace forkbox::os
