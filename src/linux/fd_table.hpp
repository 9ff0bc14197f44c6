// The guest's file-descriptor table. A guest fd names an OpenFile (Linux's "open file
// description"): the standard streams, a read-only host file or directory, one end of an
// in-memory pipe, a file or directory of the private /tmp (tmpfs.hpp, named by inode number),
// or one of the virtual devices (/dev/null, /dev/zero, /dev/random, /dev/urandom). dup'ed fds share
// one OpenFile, so they share its offset and status flags as on Linux.
//
// Offsets are kept here, not in the host kernel: host files are read with pread at our own
// offset and directories are re-positioned before every getdents64. That is what lets a fork
// of a sandbox (FdTable::clone) own independent fds: the clone dup()s each host fd, and sharing
// the host's open file description then cannot leak an offset between forks.
//
// Pipes live entirely in memory: the guest is one thread, so a pipe is a bounded byte queue
// with reader/writer counts, and no host pipe (or host effect) is ever created.
//
// Not thread-safe; one table per guest.
#pragma once

#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/unique_fd.hpp"
#include "linux/byte_codec.hpp"

namespace forkbox::os {

// Why 256: Linux's default soft RLIMIT_NOFILE is 1024, but a sandboxed request handler needs a
// handful; 256 bounds the host fds one guest can pin (each open host file holds one host fd).
inline constexpr int kMaxGuestFds = 256;
// Linux's default pipe capacity (16 pages); a write to a full pipe cannot wait for a reader in
// a single-threaded guest, so it reports EAGAIN instead of deadlocking.
inline constexpr size_t kPipeCapacity = 65536;

enum class FileKind : uint8_t {
  kStdin,
  kStdout,
  kStderr,
  kHostFile,
  kHostDir,
  kPipeRead,
  kPipeWrite,
  kTmpFile,  // a regular file of the private /tmp, readable/writable as opened
  kTmpDir,
  kDevice,  // a virtual character device (DeviceKind)
};

// The virtual devices every guest may open (read and write, as on Linux).
enum class DeviceKind : uint8_t { kNull, kZero, kRandom, kUrandom };

struct PipeBuffer {
  std::string data;  // unread bytes, oldest first; never longer than kPipeCapacity
  int readers = 0;   // OpenFiles on each end, kept by OpenFile's constructor/destructor
  int writers = 0;
};

class OpenFile {
 public:
  static std::shared_ptr<OpenFile> stream(FileKind kind);
  // Takes ownership of a host fd opened read-only on `path` (the guest-visible resolved path).
  static std::shared_ptr<OpenFile> host(FileKind kind, UniqueFd fd, std::string path);
  static std::shared_ptr<OpenFile> pipe_end(std::shared_ptr<PipeBuffer> pipe, bool read_end);
  // A /tmp file or directory (inode `ino` of the process's TmpFs) opened with `access`
  // (O_RDONLY, O_WRONLY or O_RDWR).
  static std::shared_ptr<OpenFile> tmp(FileKind kind, uint64_t ino, std::string path,
                                       uint32_t access);
  static std::shared_ptr<OpenFile> device(DeviceKind device, std::string path, uint32_t access);
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;
  ~OpenFile();

  // A copy for another guest: own host fd (dup, or a fresh open for directories so their read
  // position is independent). A host failure leaves the copy without a host fd; its operations
  // then fail with EBADF instead of touching the original's fd. `pipe` is the copy's buffer.
  [[nodiscard]] std::shared_ptr<OpenFile> duplicate(std::shared_ptr<PipeBuffer> pipe) const;

  FileKind kind() const { return kind_; }
  int host_fd() const { return host_.get(); }
  const std::string& path() const { return path_; }
  PipeBuffer* pipe() const { return pipe_.get(); }
  uint64_t tmp_ino() const { return ino_; }
  DeviceKind device_kind() const { return device_; }
  // O_RDONLY, O_WRONLY or O_RDWR as the guest opened it (F_GETFL).
  uint32_t access() const;
  bool readable() const;
  bool writable() const;

  uint64_t offset = 0;        // files: byte offset; directories: getdents64 position cookie
  uint32_t status_flags = 0;  // guest O_NONBLOCK / O_APPEND bits as set by fcntl(F_SETFL)

 private:
  explicit OpenFile(FileKind kind) : kind_(kind) {}
  FileKind kind_;
  UniqueFd host_;
  std::string path_;
  std::shared_ptr<PipeBuffer> pipe_;
  uint64_t ino_ = 0;                       // kTmpFile, kTmpDir
  DeviceKind device_ = DeviceKind::kNull;  // kDevice
  uint32_t access_ = 0;                    // kTmpFile, kTmpDir, kDevice
};

class FdTable {
 public:
  // A table with fds 0, 1 and 2 open on the standard streams.
  FdTable();
  FdTable(FdTable&&) noexcept = default;
  FdTable& operator=(FdTable&&) noexcept = default;
  FdTable(const FdTable&) = delete;  // use clone(): copying must duplicate host fds
  FdTable& operator=(const FdTable&) = delete;

  // A deep copy: fds sharing an OpenFile (or a pipe) here share the copy's one in the clone.
  [[nodiscard]] FdTable clone() const;

  // The OpenFile behind `fd`, or nullptr (EBADF) when it is not open.
  [[nodiscard]] OpenFile* get(int64_t fd) const;
  [[nodiscard]] std::shared_ptr<OpenFile> get_shared(int64_t fd) const;
  [[nodiscard]] bool cloexec(int64_t fd) const;
  void set_cloexec(int64_t fd, bool on);

  // Installs `file` at the lowest free fd >= min_fd; -EMFILE when none is left.
  [[nodiscard]] std::expected<int, int> install(std::shared_ptr<OpenFile> file, int min_fd,
                                                bool cloexec);
  // Installs `file` at exactly `fd`, closing what was there (dup2/dup3); -EBADF out of range.
  [[nodiscard]] int install_at(int64_t fd, std::shared_ptr<OpenFile> file, bool cloexec);
  // 0, or -EBADF when fd is not open.
  [[nodiscard]] int close(int64_t fd);
  // Closes every open fd in [first, last]; for close_range.
  void close_range(uint64_t first, uint64_t last);
  [[nodiscard]] size_t open_count() const;
  // The table for a snapshot file, and back. Host files are re-opened by their resolved path
  // through `reopen` (which applies the path policy again); nullopt when one cannot be, or on
  // an inconsistent input.
  void encode(ByteWriter& out) const;
  [[nodiscard]] static std::optional<FdTable> decode(
      ByteReader& in, const std::function<UniqueFd(FileKind, const std::string&)>& reopen);
  // True when an open fd refers to inode `ino` of the private /tmp.
  [[nodiscard]] bool refers_to_tmp(uint64_t ino) const;

 private:
  struct Slot {
    std::shared_ptr<OpenFile> file;
    bool cloexec = false;
  };
  std::vector<Slot> slots_;  // index = fd; grows on demand up to kMaxGuestFds
};

}  // namespace forkbox::os
