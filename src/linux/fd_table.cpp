// The guest fd table and open file descriptions; see fd_table.hpp for why offsets live here.
#include "linux/fd_table.hpp"

#include <fcntl.h>

#include <cerrno>
#include <map>

#include "linux/guest_abi.hpp"

namespace forkbox::os {

std::shared_ptr<OpenFile> OpenFile::stream(FileKind kind) {
  return std::shared_ptr<OpenFile>(new OpenFile(kind));
}

std::shared_ptr<OpenFile> OpenFile::host(FileKind kind, UniqueFd fd, std::string path) {
  std::shared_ptr<OpenFile> f(new OpenFile(kind));
  f->host_ = std::move(fd);
  f->path_ = std::move(path);
  return f;
}

std::shared_ptr<OpenFile> OpenFile::pipe_end(std::shared_ptr<PipeBuffer> pipe, bool read_end) {
  std::shared_ptr<OpenFile> f(new OpenFile(read_end ? FileKind::kPipeRead : FileKind::kPipeWrite));
  (read_end ? pipe->readers : pipe->writers) += 1;
  f->pipe_ = std::move(pipe);
  return f;
}

std::shared_ptr<OpenFile> OpenFile::tmp(FileKind kind, uint64_t ino, std::string path,
                                        uint32_t access) {
  std::shared_ptr<OpenFile> f(new OpenFile(kind));
  f->ino_ = ino;
  f->path_ = std::move(path);
  f->access_ = access;
  return f;
}

std::shared_ptr<OpenFile> OpenFile::device(DeviceKind device, std::string path, uint32_t access) {
  std::shared_ptr<OpenFile> f(new OpenFile(FileKind::kDevice));
  f->device_ = device;
  f->path_ = std::move(path);
  f->access_ = access;
  return f;
}

OpenFile::~OpenFile() {
  if (!pipe_) return;
  (kind_ == FileKind::kPipeRead ? pipe_->readers : pipe_->writers) -= 1;
}

bool OpenFile::readable() const {
  if (kind_ == FileKind::kTmpFile || kind_ == FileKind::kDevice)
    return (access_ & abi::kOAccMode) != abi::kOWrOnly;
  return kind_ == FileKind::kStdin || kind_ == FileKind::kHostFile || kind_ == FileKind::kPipeRead;
}

bool OpenFile::writable() const {
  if (kind_ == FileKind::kTmpFile || kind_ == FileKind::kDevice)
    return (access_ & abi::kOAccMode) != abi::kORdOnly;
  return kind_ == FileKind::kStdout || kind_ == FileKind::kStderr || kind_ == FileKind::kPipeWrite;
}

uint32_t OpenFile::access() const {
  if (kind_ == FileKind::kTmpFile || kind_ == FileKind::kTmpDir || kind_ == FileKind::kDevice)
    return access_;
  return static_cast<uint32_t>(writable() ? abi::kOWrOnly : abi::kORdOnly);
}

std::shared_ptr<OpenFile> OpenFile::duplicate(std::shared_ptr<PipeBuffer> pipe) const {
  std::shared_ptr<OpenFile> copy;
  switch (kind_) {
    case FileKind::kPipeRead:
    case FileKind::kPipeWrite:
      copy = pipe_end(std::move(pipe), kind_ == FileKind::kPipeRead);
      break;
    case FileKind::kHostFile:
      // pread at our own offset never moves the host offset, so sharing the description is safe.
      copy = host(kind_, UniqueFd(::fcntl(host_.get(), F_DUPFD_CLOEXEC, 0)), path_);
      break;
    case FileKind::kHostDir:
      // A fresh description: getdents64 moves the host position, which must not be shared.
      copy = host(kind_, UniqueFd(::openat(host_.get(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)),
                  path_);
      break;
    case FileKind::kTmpFile:
    case FileKind::kTmpDir:
      // Inode numbers mean the same in the copied TmpFs, so the copy needs no fix-up.
      copy = tmp(kind_, ino_, path_, access_);
      break;
    case FileKind::kDevice:
      copy = device(device_, path_, access_);
      break;
    default:
      copy = stream(kind_);
      break;
  }
  copy->offset = offset;
  copy->status_flags = status_flags;
  return copy;
}

FdTable::FdTable() {
  slots_.resize(3);
  slots_[0].file = OpenFile::stream(FileKind::kStdin);
  slots_[1].file = OpenFile::stream(FileKind::kStdout);
  slots_[2].file = OpenFile::stream(FileKind::kStderr);
}

FdTable FdTable::clone() const {
  FdTable copy;
  copy.slots_.clear();
  copy.slots_.resize(slots_.size());
  std::map<const OpenFile*, std::shared_ptr<OpenFile>> files;
  std::map<const PipeBuffer*, std::shared_ptr<PipeBuffer>> pipes;
  for (size_t fd = 0; fd < slots_.size(); ++fd) {
    const Slot& slot = slots_[fd];
    if (!slot.file) continue;
    auto& file = files[slot.file.get()];
    if (!file) {
      std::shared_ptr<PipeBuffer> pipe;
      if (const PipeBuffer* original = slot.file->pipe()) {
        auto& shared = pipes[original];
        if (!shared) shared = std::make_shared<PipeBuffer>(PipeBuffer{original->data, 0, 0});
        pipe = shared;
      }
      file = slot.file->duplicate(std::move(pipe));
    }
    copy.slots_[fd] = Slot{file, slot.cloexec};
  }
  return copy;
}

OpenFile* FdTable::get(int64_t fd) const {
  if (fd < 0 || fd >= static_cast<int64_t>(slots_.size())) return nullptr;
  return slots_[fd].file.get();
}

std::shared_ptr<OpenFile> FdTable::get_shared(int64_t fd) const {
  if (fd < 0 || fd >= static_cast<int64_t>(slots_.size())) return nullptr;
  return slots_[fd].file;
}

bool FdTable::cloexec(int64_t fd) const {
  return get(fd) != nullptr && slots_[fd].cloexec;
}

void FdTable::set_cloexec(int64_t fd, bool on) {
  if (get(fd) != nullptr) slots_[fd].cloexec = on;
}

std::expected<int, int> FdTable::install(std::shared_ptr<OpenFile> file, int min_fd, bool cloexec) {
  if (min_fd < 0) return std::unexpected(-EINVAL);
  for (int fd = min_fd; fd < kMaxGuestFds; ++fd) {
    if (fd >= static_cast<int>(slots_.size())) slots_.resize(fd + 1);
    if (!slots_[fd].file) {
      slots_[fd] = Slot{std::move(file), cloexec};
      return fd;
    }
  }
  return std::unexpected(-EMFILE);
}

int FdTable::install_at(int64_t fd, std::shared_ptr<OpenFile> file, bool cloexec) {
  if (fd < 0 || fd >= kMaxGuestFds) return -EBADF;
  if (fd >= static_cast<int64_t>(slots_.size())) slots_.resize(fd + 1);
  slots_[fd] = Slot{std::move(file), cloexec};
  return 0;
}

int FdTable::close(int64_t fd) {
  if (get(fd) == nullptr) return -EBADF;
  slots_[fd] = Slot{};
  return 0;
}

void FdTable::close_range(uint64_t first, uint64_t last) {
  for (uint64_t fd = first; fd <= last && fd < slots_.size(); ++fd) slots_[fd] = Slot{};
}

bool FdTable::refers_to_tmp(uint64_t ino) const {
  for (const Slot& slot : slots_) {
    const OpenFile* f = slot.file.get();
    if (f && (f->kind() == FileKind::kTmpFile || f->kind() == FileKind::kTmpDir) &&
        f->tmp_ino() == ino)
      return true;
  }
  return false;
}

size_t FdTable::open_count() const {
  size_t n = 0;
  for (const Slot& slot : slots_) n += slot.file ? 1 : 0;
  return n;
}

}  // namespace forkbox::os
