// Thin ioctl wrappers; see kvm_handles.hpp. Every ioctl here is the documented KVM API with a
// struct we own, so the only failure mode is an error return, which becomes a KvmError.
#include "kvm/kvm_handles.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <utility>

namespace forkbox::kvm {

namespace {
// g++ lays out the kernel's flexible-array structs (kvm_cpuid2, kvm_msrs) with a different size
// in C++ than the C ABI the kernel uses, which changes the ioctl numbers derived from them. So
// these four ioctls are spelt with the C sizes (an 8-byte header), and their buffers are laid
// out by hand: the 8-byte header, then the entries.
constexpr size_t kCHeaderBytes = 8;
constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, uint64_t);
constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, uint64_t);
constexpr unsigned long kGetMsrs = _IOWR(KVMIO, 0x88, uint64_t);
constexpr unsigned long kSetMsrs = _IOW(KVMIO, 0x89, uint64_t);
static_assert(sizeof(kvm_cpuid_entry2) == 40 && sizeof(kvm_msr_entry) == 16);
}  // namespace

const char* describe(KvmError e) {
  switch (e) {
    case KvmError::kNoDevice: return "/dev/kvm cannot be opened";
    case KvmError::kBadApiVersion: return "unsupported KVM API version";
    case KvmError::kMissingCapability: return "KVM lacks a required capability";
    case KvmError::kCreateVmFailed: return "KVM_CREATE_VM failed";
    case KvmError::kCreateVcpuFailed: return "KVM_CREATE_VCPU failed";
    case KvmError::kMemoryFailed: return "guest memory setup failed";
    case KvmError::kIoctlFailed: return "a KVM vCPU ioctl failed";
  }
  return "unknown KVM error";
}

std::expected<Kvm, KvmError> Kvm::open() {
  UniqueFd fd(::open("/dev/kvm", O_RDWR | O_CLOEXEC));
  if (!fd) return std::unexpected(KvmError::kNoDevice);
  if (::ioctl(fd.get(), KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
    return std::unexpected(KvmError::kBadApiVersion);
  int size = ::ioctl(fd.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (size < static_cast<int>(sizeof(kvm_run))) return std::unexpected(KvmError::kBadApiVersion);
  Kvm kvm(std::move(fd));
  kvm.vcpu_mmap_size_ = static_cast<size_t>(size);
  return kvm;
}

int Kvm::check_extension(int cap) const {
  int r = ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, cap);
  return r < 0 ? 0 : r;
}

std::expected<std::vector<kvm_cpuid_entry2>, KvmError> Kvm::supported_cpuid() const {
  // Why 256 entries: KVM reports well under 100 leaves on current CPUs; E2BIG would tell us
  // otherwise, and we then fail rather than guess.
  constexpr size_t kMaxCpuidEntries = 256;
  size_t bytes = kCHeaderBytes + kMaxCpuidEntries * sizeof(kvm_cpuid_entry2);
  std::vector<uint8_t> buffer(bytes, 0);
  auto nent = static_cast<uint32_t>(kMaxCpuidEntries);
  std::memcpy(buffer.data(), &nent, sizeof(nent));
  if (::ioctl(fd_.get(), kGetSupportedCpuid, buffer.data()) < 0)
    return std::unexpected(KvmError::kIoctlFailed);
  std::memcpy(&nent, buffer.data(), sizeof(nent));
  if (nent > kMaxCpuidEntries) return std::unexpected(KvmError::kIoctlFailed);
  std::vector<kvm_cpuid_entry2> entries(nent);
  std::memcpy(entries.data(), buffer.data() + kCHeaderBytes, nent * sizeof(kvm_cpuid_entry2));
  return entries;
}

std::expected<Vm, KvmError> Vm::create(const Kvm& kvm) {
  int fd = ::ioctl(kvm.fd(), KVM_CREATE_VM, 0);
  if (fd < 0) return std::unexpected(KvmError::kCreateVmFailed);
  return Vm(UniqueFd(fd));
}

std::expected<void, KvmError> Vm::set_memory(uint32_t slot, uint64_t guest_phys, uint64_t size,
                                             void* host, uint32_t flags) {
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.flags = flags;
  region.guest_phys_addr = guest_phys;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<uint64_t>(host);
  if (::ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
    return std::unexpected(KvmError::kMemoryFailed);
  return {};
}

std::expected<void, KvmError> Vm::dirty_log(uint32_t slot, std::vector<uint64_t>& bitmap) const {
  kvm_dirty_log log{};
  log.slot = slot;
  log.dirty_bitmap = bitmap.data();  // sized by the caller for every page of the slot
  if (::ioctl(fd_.get(), KVM_GET_DIRTY_LOG, &log) < 0)
    return std::unexpected(KvmError::kMemoryFailed);
  return {};
}

bool Vm::enable_manual_dirty_log() const {
  const int supported = ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);
  if (supported <= 0 || !(supported & KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE)) return false;
  kvm_enable_cap cap{};
  cap.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2;
  cap.args[0] = KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE;
  return ::ioctl(fd_.get(), KVM_ENABLE_CAP, &cap) == 0;
}

std::expected<void, KvmError> Vm::clear_dirty_log(uint32_t slot, uint64_t pages,
                                                  std::vector<uint64_t>& bitmap) const {
  kvm_clear_dirty_log clear{};
  clear.slot = slot;
  clear.first_page = 0;
  clear.num_pages = static_cast<uint32_t>(pages);
  clear.dirty_bitmap = bitmap.data();  // at least `pages` bits, sized by the caller
  if (::ioctl(fd_.get(), KVM_CLEAR_DIRTY_LOG, &clear) < 0)
    return std::unexpected(KvmError::kMemoryFailed);
  return {};
}

std::expected<KvmStats, KvmError> KvmStats::open(int object_fd) {
  KvmStats stats;
  stats.fd_ = UniqueFd(::ioctl(object_fd, KVM_GET_STATS_FD, 0));
  if (!stats.fd_) return std::unexpected(KvmError::kMissingCapability);
  kvm_stats_header header{};
  if (::pread(stats.fd_.get(), &header, sizeof header, 0) != static_cast<ssize_t>(sizeof header))
    return std::unexpected(KvmError::kIoctlFailed);
  // Why these bounds: KVM has ~60 counters per object with names under 48 bytes; anything far
  // beyond is a format this reader does not understand, refused rather than allocated.
  constexpr uint32_t kMaxCounters = 4096;
  constexpr uint32_t kMaxNameBytes = 1024;
  if (header.num_desc > kMaxCounters || header.name_size > kMaxNameBytes)
    return std::unexpected(KvmError::kIoctlFailed);
  // The C layout of kvm_stats_desc without its name: g++ sizes the kernel's flexible-array
  // declaration differently (as for kvm_cpuid2 above), so the fixed part is spelt here.
  struct StatsDesc {
    uint32_t flags;
    int16_t exponent;
    uint16_t size;
    uint32_t offset;
    uint32_t bucket_size;
  };
  static_assert(sizeof(StatsDesc) == 16);
  const size_t desc_bytes = sizeof(StatsDesc) + header.name_size;
  std::vector<uint8_t> descs(desc_bytes * header.num_desc);
  if (::pread(stats.fd_.get(), descs.data(), descs.size(), header.desc_offset) !=
      static_cast<ssize_t>(descs.size()))
    return std::unexpected(KvmError::kIoctlFailed);
  for (uint32_t i = 0; i < header.num_desc; ++i) {
    StatsDesc desc{};
    const uint8_t* raw = descs.data() + i * desc_bytes;
    std::memcpy(&desc, raw, sizeof desc);
    if (desc.size != 1) continue;  // a histogram
    // The name follows the fixed part, NUL-padded to name_size bytes (inside `descs`).
    const char* name = reinterpret_cast<const char*>(raw + sizeof(StatsDesc));
    stats.counters_.push_back(
        {std::string(name, ::strnlen(name, header.name_size)), header.data_offset + desc.offset});
  }
  return stats;
}

std::map<std::string, uint64_t> KvmStats::read() const {
  std::map<std::string, uint64_t> out;
  for (const Counter& c : counters_) {
    uint64_t value = 0;
    if (::pread(fd_.get(), &value, sizeof value, static_cast<off_t>(c.offset)) ==
        static_cast<ssize_t>(sizeof value))
      out[c.name] = value;
  }
  return out;
}

std::expected<Vcpu, KvmError> Vcpu::create(const Kvm& kvm, const Vm& vm, uint32_t id) {
  int raw = ::ioctl(vm.fd(), KVM_CREATE_VCPU, static_cast<unsigned long>(id));
  if (raw < 0) return std::unexpected(KvmError::kCreateVcpuFailed);
  UniqueFd fd(raw);
  // KVM documents the vCPU fd as mmap-able for vcpu_mmap_size bytes, starting with kvm_run.
  void* p = ::mmap(nullptr, kvm.vcpu_mmap_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (p == MAP_FAILED) return std::unexpected(KvmError::kCreateVcpuFailed);
  return Vcpu(std::move(fd), static_cast<kvm_run*>(p), kvm.vcpu_mmap_size());
}

Vcpu::Vcpu(Vcpu&& other) noexcept
    : fd_(std::move(other.fd_)), run_(std::exchange(other.run_, nullptr)),
      run_size_(std::exchange(other.run_size_, 0)) {}

Vcpu& Vcpu::operator=(Vcpu&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::move(other.fd_);
    run_ = std::exchange(other.run_, nullptr);
    run_size_ = std::exchange(other.run_size_, 0);
  }
  return *this;
}

Vcpu::~Vcpu() { release(); }

void Vcpu::release() {
  if (run_) ::munmap(run_, run_size_);
  run_ = nullptr;
  fd_.reset();
}

int Vcpu::run() {
  if (::ioctl(fd_.get(), KVM_RUN, 0) < 0) return -errno;
  return 0;
}

std::expected<kvm_regs, KvmError> Vcpu::get_regs() const {
  kvm_regs regs{};
  if (::ioctl(fd_.get(), KVM_GET_REGS, &regs) < 0) return std::unexpected(KvmError::kIoctlFailed);
  return regs;
}

std::expected<void, KvmError> Vcpu::set_regs(const kvm_regs& regs) const {
  if (::ioctl(fd_.get(), KVM_SET_REGS, &regs) < 0) return std::unexpected(KvmError::kIoctlFailed);
  return {};
}

std::expected<kvm_sregs, KvmError> Vcpu::get_sregs() const {
  kvm_sregs sregs{};
  if (::ioctl(fd_.get(), KVM_GET_SREGS, &sregs) < 0)
    return std::unexpected(KvmError::kIoctlFailed);
  return sregs;
}

std::expected<void, KvmError> Vcpu::set_sregs(const kvm_sregs& sregs) const {
  if (::ioctl(fd_.get(), KVM_SET_SREGS, &sregs) < 0)
    return std::unexpected(KvmError::kIoctlFailed);
  return {};
}

std::expected<void, KvmError> Vcpu::set_cpuid(const std::vector<kvm_cpuid_entry2>& entries) const {
  size_t bytes = kCHeaderBytes + entries.size() * sizeof(kvm_cpuid_entry2);
  std::vector<uint8_t> buffer(bytes, 0);
  auto nent = static_cast<uint32_t>(entries.size());
  std::memcpy(buffer.data(), &nent, sizeof(nent));
  std::memcpy(buffer.data() + kCHeaderBytes, entries.data(),
              entries.size() * sizeof(kvm_cpuid_entry2));
  if (::ioctl(fd_.get(), kSetCpuid2, buffer.data()) < 0)
    return std::unexpected(KvmError::kIoctlFailed);
  return {};
}

namespace {
// The C layout of kvm_msrs with one entry (see kCHeaderBytes above).
struct OneMsr {
  uint32_t nmsrs;
  uint32_t pad;
  kvm_msr_entry entry;
};
static_assert(offsetof(OneMsr, entry) == kCHeaderBytes);
}  // namespace

std::expected<void, KvmError> Vcpu::set_msr(uint32_t index, uint64_t value) const {
  OneMsr msrs{};
  msrs.nmsrs = 1;
  msrs.entry.index = index;
  msrs.entry.data = value;
  if (::ioctl(fd_.get(), kSetMsrs, &msrs) != 1) return std::unexpected(KvmError::kIoctlFailed);
  return {};
}

std::expected<uint64_t, KvmError> Vcpu::get_msr(uint32_t index) const {
  OneMsr msrs{};
  msrs.nmsrs = 1;
  msrs.entry.index = index;
  if (::ioctl(fd_.get(), kGetMsrs, &msrs) != 1) return std::unexpected(KvmError::kIoctlFailed);
  return msrs.entry.data;
}

std::expected<void, KvmError> Vcpu::set_xcr0(uint64_t value) const {
  kvm_xcrs xcrs{};
  xcrs.nr_xcrs = 1;
  xcrs.xcrs[0].xcr = 0;
  xcrs.xcrs[0].value = value;
  if (::ioctl(fd_.get(), KVM_SET_XCRS, &xcrs) < 0) return std::unexpected(KvmError::kIoctlFailed);
  return {};
}

std::expected<void, KvmError> Vcpu::get_msrs(std::vector<kvm_msr_entry>& entries) const {
  // The C layout: an 8-byte header (nmsrs, pad), then the entries (see kGetMsrs).
  std::vector<uint8_t> buf(kCHeaderBytes + entries.size() * sizeof(kvm_msr_entry));
  const auto n = static_cast<uint32_t>(entries.size());
  std::memcpy(buf.data(), &n, sizeof(n));
  std::memcpy(buf.data() + kCHeaderBytes, entries.data(), entries.size() * sizeof(kvm_msr_entry));
  if (::ioctl(fd_.get(), kGetMsrs, buf.data()) != static_cast<int>(n))
    return std::unexpected(KvmError::kIoctlFailed);
  std::memcpy(entries.data(), buf.data() + kCHeaderBytes, entries.size() * sizeof(kvm_msr_entry));
  return {};
}

std::expected<void, KvmError> Vcpu::set_msrs(const std::vector<kvm_msr_entry>& entries) const {
  std::vector<uint8_t> buf(kCHeaderBytes + entries.size() * sizeof(kvm_msr_entry));
  const auto n = static_cast<uint32_t>(entries.size());
  std::memcpy(buf.data(), &n, sizeof(n));
  std::memcpy(buf.data() + kCHeaderBytes, entries.data(), entries.size() * sizeof(kvm_msr_entry));
  if (::ioctl(fd_.get(), kSetMsrs, buf.data()) != static_cast<int>(n))
    return std::unexpected(KvmError::kIoctlFailed);
  return {};
}

// Each of these passes a struct of the kernel's own fixed layout, which the ioctl fills or reads.
// KVM_{GET,SET}_XSAVE read/write the C struct kvm_xsave without its flexible tail: 4096 bytes,
// the size of XsaveArea. g++ sizes kvm_xsave differently (the flexible member), which would
// change the ioctl numbers, so they are spelt with XsaveArea.
static_assert(sizeof(Vcpu::XsaveArea) == 4096);
namespace {
constexpr unsigned long kGetXsave = _IOR(KVMIO, 0xa4, Vcpu::XsaveArea);
constexpr unsigned long kSetXsave = _IOW(KVMIO, 0xa5, Vcpu::XsaveArea);
}  // namespace
bool Vcpu::get_xsave(XsaveArea& out) const {
  return ::ioctl(fd_.get(), kGetXsave, out.data()) == 0;
}
bool Vcpu::set_xsave(const XsaveArea& in) const {
  return ::ioctl(fd_.get(), kSetXsave, in.data()) == 0;
}
bool Vcpu::get_xcrs(kvm_xcrs& out) const { return ::ioctl(fd_.get(), KVM_GET_XCRS, &out) == 0; }
bool Vcpu::set_xcrs(const kvm_xcrs& in) const { return ::ioctl(fd_.get(), KVM_SET_XCRS, &in) == 0; }
bool Vcpu::get_debugregs(kvm_debugregs& out) const {
  return ::ioctl(fd_.get(), KVM_GET_DEBUGREGS, &out) == 0;
}
bool Vcpu::set_debugregs(const kvm_debugregs& in) const {
  return ::ioctl(fd_.get(), KVM_SET_DEBUGREGS, &in) == 0;
}
bool Vcpu::get_events(kvm_vcpu_events& out) const {
  return ::ioctl(fd_.get(), KVM_GET_VCPU_EVENTS, &out) == 0;
}
bool Vcpu::set_events(const kvm_vcpu_events& in) const {
  return ::ioctl(fd_.get(), KVM_SET_VCPU_EVENTS, &in) == 0;
}

}  // namespace forkbox::kvm
