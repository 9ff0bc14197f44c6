// The personality as bytes, for snapshot files (see Personality::encode): its configuration,
// the fd table (host files by resolved path, re-opened under the same allow-list on load; pipes
// with their buffered bytes; /tmp files by inode; devices by kind), the process state (cwd,
// signal dispositions, masks, rlimits, umask) and the private /tmp tree. Every count and length
// read back is checked against the limit the live structure has, so a decoded personality is
// one that could have been built by serving system calls.
#include <fcntl.h>
#include <sys/stat.h>

#include <map>

#include "linux/personality.hpp"
#include "linux/syscall_context.hpp"

namespace forkbox::os {
namespace {

// Why 4096: far more allowed directories than any configuration lists; bounds the decode.
constexpr size_t kMaxAllowRead = 4096;
// Why 64 MiB: stdin data kept in a snapshot is normally empty (the ready point is before any
// input); the bound only stops a corrupt length from asking for gigabytes.
constexpr size_t kMaxSavedStdin = 64u << 20;
constexpr uint32_t kPersonalityImageVersion = 1;

}  // namespace

// ---- /tmp ----

void TmpFs::encode(ByteWriter& out) const {
  out.u64(next_ino_);
  out.u64(nodes_.size());
  for (const auto& [ino, node] : nodes_) {
    out.u64(ino);
    out.u8(node.dir ? 1 : 0);
    out.u32(node.mode);
    out.u64(node.nlink);
    out.bytes(node.dir ? std::string_view() : std::string_view(*node.data));
    out.record(node.mtime);
    out.record(node.ctime);
  }
  out.u64(names_.size());
  for (const auto& [path, ino] : names_) {
    out.bytes(path);
    out.u64(ino);
  }
}

std::optional<TmpFs> TmpFs::decode(ByteReader& in) {
  TmpFs fs;
  fs.nodes_.clear();
  fs.names_.clear();
  fs.next_ino_ = in.u64();
  const uint64_t node_count = in.u64();
  if (!in.ok() || node_count == 0 || node_count > kTmpMaxInodes) return std::nullopt;
  for (uint64_t i = 0; i < node_count; ++i) {
    const uint64_t ino = in.u64();
    Node node;
    node.dir = in.u8() != 0;
    node.mode = in.u32();
    node.nlink = in.u64();
    std::string data = in.bytes(kTmpMaxBytes - fs.bytes_);
    node.mtime = in.record<struct timespec>();
    node.ctime = in.record<struct timespec>();
    if (!in.ok() || ino == 0 || ino >= fs.next_ino_ || fs.nodes_.contains(ino)) return std::nullopt;
    if (node.dir != S_ISDIR(node.mode)) return std::nullopt;
    fs.bytes_ += data.size();
    if (!node.dir) node.data = std::make_shared<std::string>(std::move(data));
    fs.nodes_.emplace(ino, std::move(node));
  }
  const uint64_t name_count = in.u64();
  if (!in.ok() || name_count > node_count) return std::nullopt;
  for (uint64_t i = 0; i < name_count; ++i) {
    std::string path = in.bytes(kMaxGuestPath);
    const uint64_t ino = in.u64();
    if (!in.ok() || !covers(path) || !fs.nodes_.contains(ino)) return std::nullopt;
    fs.names_.emplace(std::move(path), ino);
  }
  auto root = fs.names_.find(kMountPoint);
  if (root == fs.names_.end() || root->second != kRootIno || !fs.is_dir(kRootIno))
    return std::nullopt;
  return fs;
}

// ---- fd table ----

void FdTable::encode(ByteWriter& out) const {
  std::map<const OpenFile*, uint32_t> file_index;
  std::map<const PipeBuffer*, uint32_t> pipe_index;
  std::vector<const OpenFile*> files;
  std::vector<const PipeBuffer*> pipes;
  for (const Slot& slot : slots_) {
    if (!slot.file || file_index.contains(slot.file.get())) continue;
    file_index[slot.file.get()] = static_cast<uint32_t>(files.size());
    files.push_back(slot.file.get());
    if (const PipeBuffer* p = slot.file->pipe(); p && !pipe_index.contains(p)) {
      pipe_index[p] = static_cast<uint32_t>(pipes.size());
      pipes.push_back(p);
    }
  }
  out.u64(pipes.size());
  for (const PipeBuffer* p : pipes) out.bytes(p->data);
  out.u64(files.size());
  for (const OpenFile* f : files) {
    out.u8(static_cast<uint8_t>(f->kind()));
    out.bytes(f->path());
    out.u64(f->offset);
    out.u32(f->status_flags);
    out.u64(f->tmp_ino());
    out.u8(static_cast<uint8_t>(f->device_kind()));
    out.u32(f->access());
    out.u32(f->pipe() ? pipe_index.at(f->pipe()) : ~0u);
  }
  out.u64(slots_.size());
  for (const Slot& slot : slots_) {
    out.u32(slot.file ? file_index.at(slot.file.get()) : ~0u);
    out.u8(slot.cloexec ? 1 : 0);
  }
}

std::optional<FdTable> FdTable::decode(
    ByteReader& in, const std::function<UniqueFd(FileKind, const std::string&)>& reopen) {
  const uint64_t pipe_count = in.u64();
  if (!in.ok() || pipe_count > static_cast<uint64_t>(kMaxGuestFds)) return std::nullopt;
  std::vector<std::shared_ptr<PipeBuffer>> pipes;
  for (uint64_t i = 0; i < pipe_count; ++i) {
    auto p = std::make_shared<PipeBuffer>();
    p->data = in.bytes(kPipeCapacity);
    pipes.push_back(std::move(p));
  }
  const uint64_t file_count = in.u64();
  if (!in.ok() || file_count > static_cast<uint64_t>(kMaxGuestFds)) return std::nullopt;
  std::vector<std::shared_ptr<OpenFile>> files;
  for (uint64_t i = 0; i < file_count; ++i) {
    const uint8_t kind_raw = in.u8();
    std::string path = in.bytes(kMaxGuestPath);
    const uint64_t offset = in.u64();
    const uint32_t status = in.u32();
    const uint64_t ino = in.u64();
    const uint8_t device = in.u8();
    const uint32_t access = in.u32();
    const uint32_t pipe = in.u32();
    if (!in.ok() || kind_raw > static_cast<uint8_t>(FileKind::kDevice) ||
        device > static_cast<uint8_t>(DeviceKind::kUrandom))
      return std::nullopt;
    const auto kind = static_cast<FileKind>(kind_raw);
    std::shared_ptr<OpenFile> f;
    switch (kind) {
      case FileKind::kHostFile:
      case FileKind::kHostDir: {
        UniqueFd fd = reopen(kind, path);
        if (!fd) return std::nullopt;
        f = OpenFile::host(kind, std::move(fd), std::move(path));
        break;
      }
      case FileKind::kPipeRead:
      case FileKind::kPipeWrite:
        if (pipe >= pipes.size()) return std::nullopt;
        f = OpenFile::pipe_end(pipes[pipe], kind == FileKind::kPipeRead);
        break;
      case FileKind::kTmpFile:
      case FileKind::kTmpDir:
        f = OpenFile::tmp(kind, ino, std::move(path), access);
        break;
      case FileKind::kDevice:
        f = OpenFile::device(static_cast<DeviceKind>(device), std::move(path), access);
        break;
      default:
        f = OpenFile::stream(kind);
        break;
    }
    f->offset = offset;
    f->status_flags = status;
    files.push_back(std::move(f));
  }
  const uint64_t slot_count = in.u64();
  if (!in.ok() || slot_count > static_cast<uint64_t>(kMaxGuestFds)) return std::nullopt;
  FdTable table;
  table.slots_.assign(slot_count, Slot{});
  for (uint64_t fd = 0; fd < slot_count; ++fd) {
    const uint32_t index = in.u32();
    const bool cloexec = in.u8() != 0;
    if (index == ~0u) continue;
    if (index >= files.size()) return std::nullopt;
    table.slots_[fd] = Slot{files[index], cloexec};
  }
  if (!in.ok()) return std::nullopt;
  return table;
}

// ---- the personality ----

std::optional<std::string> Personality::encode() const {
  const StdioConfig& stdio = config_.stdio;
  if (stdio.stdin_host_fd || stdio.stdout_host_fd || stdio.stderr_host_fd) return std::nullopt;
  ByteWriter out;
  out.u32(kPersonalityImageVersion);
  out.u8(static_cast<uint8_t>(config_.arch));
  out.u64(config_.allow_read.size());
  for (const std::string& dir : config_.allow_read) out.bytes(dir);
  out.bytes(stdio.stdin_data);
  out.u64(stdio.output_limit);
  out.u8(config_.pause_on_stdin_read ? 1 : 0);
  fds_->encode(out);
  const ProcessState& p = *state_;
  out.bytes(p.cwd);
  out.u64(p.stdin_offset);
  out.record(p.signals);
  out.record(p.rlimits);
  out.u32(p.umask);
  p.tmp.encode(out);
  return out.take();
}

std::expected<Personality, std::string> Personality::decode(std::string_view bytes) {
  ByteReader in(bytes);
  if (in.u32() != kPersonalityImageVersion) return std::unexpected("unknown personality format");
  PersonalityConfig config;
  const uint8_t arch = in.u8();
  if (arch > static_cast<uint8_t>(Arch::kX86_64)) return std::unexpected("unknown architecture");
  config.arch = static_cast<Arch>(arch);
  const uint64_t dirs = in.u64();
  if (!in.ok() || dirs > kMaxAllowRead) return std::unexpected("too many allowed directories");
  for (uint64_t i = 0; i < dirs; ++i) config.allow_read.push_back(in.bytes(kMaxGuestPath));
  config.stdio.stdin_data = in.bytes(kMaxSavedStdin);
  config.stdio.output_limit = in.u64();
  config.pause_on_stdin_read = in.u8() != 0;
  if (!in.ok()) return std::unexpected("truncated personality configuration");

  Personality p(std::move(config));
  // Host files come back only through the policy the personality itself enforces.
  const PathPolicy& policy = p.state_->paths;
  auto reopen = [&policy](FileKind kind, const std::string& path) {
    if (!policy.allowed(path)) return UniqueFd();
    int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
    if (kind == FileKind::kHostDir) flags |= O_DIRECTORY;
    return UniqueFd(::open(path.c_str(), flags));
  };
  auto fds = FdTable::decode(in, reopen);
  if (!fds) return std::unexpected("an fd of the snapshot cannot be restored");
  *p.fds_ = std::move(*fds);
  ProcessState& st = *p.state_;
  st.cwd = in.bytes(kMaxGuestPath);
  st.stdin_offset = in.u64();
  st.signals = in.record<SignalState>();
  st.rlimits = in.record<std::array<Rlimit, kRlimitCount>>();
  st.umask = in.u32() & 0777;
  auto tmp = TmpFs::decode(in);
  if (!tmp) return std::unexpected("inconsistent /tmp image");
  st.tmp = std::move(*tmp);
  if (!in.at_end() || st.cwd.empty() || st.cwd.front() != '/')
    return std::unexpected("inconsistent personality image");
  return p;
}

}  // namespace forkbox::os
