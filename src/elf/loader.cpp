// Maps an ELF executable (and its dynamic loader) into a guest and builds the initial stack
// as Linux's binfmt_elf does: strings at the top, then 16 random bytes, then the auxiliary
// vector, envp and argv pointer arrays and argc at a 16-byte aligned stack pointer.
#include "elf/loader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstring>

#include "common/host_random.hpp"
#include "common/unique_fd.hpp"
#include "elf/elf_image.hpp"

namespace forkbox::elf {
namespace {

using os::GuestMemory;

constexpr uint64_t kPage = os::kPageSize;
// Why 2 MiB: Linux caps argv+envp strings at a quarter of the stack limit (2 MiB for 8 MiB).
constexpr uint64_t kMaxArgBytes = 2ull << 20;

enum AuxType : uint64_t {
  AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7,
  AT_FLAGS = 8, AT_ENTRY = 9, AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14,
  AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17, AT_SECURE = 23, AT_RANDOM = 25,
  AT_HWCAP2 = 26, AT_EXECFN = 31,
};

uint8_t prot_of(uint32_t flags) {
  return static_cast<uint8_t>(((flags & kPfR) ? os::kProtRead : 0) |
                              ((flags & kPfW) ? os::kProtWrite : 0) |
                              ((flags & kPfX) ? os::kProtExec : 0));
}

std::expected<std::vector<uint8_t>, LoadError> read_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::unexpected(LoadError::kNotFound);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::unexpected(LoadError::kNotFound);
  if (static_cast<uint64_t>(st.st_size) > kMaxImageBytes) return std::unexpected(LoadError::kTooLarge);
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::unexpected(LoadError::kTruncated);
    done += static_cast<size_t>(n);
  }
  return bytes;
}

struct Mapped {
  uint64_t bias = 0;
  uint64_t entry = 0;
  uint64_t phdr = 0;  // guest address of the program headers, 0 if not mapped
  uint64_t end = 0;   // end of the highest segment (biased)
};

std::expected<Mapped, LoadError> map_image(const ElfImage& img, uint64_t bias, GuestMemory& mem) {
  const auto& bytes = *img.bytes;
  Mapped m;
  m.bias = bias;
  m.entry = img.entry + bias;
  uint64_t prev_page_end = 0;
  uint8_t prev_prot = 0;
  for (const Segment& s : img.segments) {
    if (s.type != kPtLoad) continue;
    uint64_t vaddr = s.vaddr + bias;
    if (vaddr < bias) return std::unexpected(LoadError::kBadSegment);  // wrapped
    uint64_t start = os::page_floor(vaddr), end = os::page_ceil(vaddr + s.memsz);
    if (end <= start && s.memsz) return std::unexpected(LoadError::kBadSegment);
    uint8_t prot = prot_of(s.flags);
    uint64_t map_from = start;
    if (start < prev_page_end) {
      // The segment shares its first page with the previous one: that page gets both
      // permissions, as the union of what the two segments need.
      if (mem.protect(start, prev_page_end - start, static_cast<uint8_t>(prev_prot | prot)) != 0)
        return std::unexpected(LoadError::kNoMemory);
      map_from = prev_page_end;
    }
    if (end > map_from) {
      auto where = mem.map(map_from, end - map_from, prot, os::Placement::kFixed);
      if (!where) return std::unexpected(LoadError::kNoMemory);
    }
    if (s.filesz && !mem.poke(vaddr, bytes.data() + s.offset, s.filesz))
      return std::unexpected(LoadError::kNoMemory);
    if (img.phoff >= s.offset && img.phoff + uint64_t{img.phnum} * 56 <= s.offset + s.filesz)
      m.phdr = vaddr + (img.phoff - s.offset);
    prev_page_end = end;
    prev_prot = prot;
    m.end = std::max(m.end, vaddr + s.memsz);
  }
  for (const Segment& s : img.segments)
    if (s.type == kPtPhdr) m.phdr = s.vaddr + bias;
  return m;
}

class StackBuilder {
 public:
  StackBuilder(GuestMemory& mem, uint64_t top) : mem_(mem), sp_(top) {}
  // Pushes bytes (no alignment) and returns their guest address.
  std::expected<uint64_t, LoadError> push_bytes(const void* data, size_t n) {
    sp_ -= n;
    if (!mem_.write(sp_, data, n)) return std::unexpected(LoadError::kStackTooLarge);
    return sp_;
  }
  std::expected<uint64_t, LoadError> push_string(const std::string& s) {
    return push_bytes(s.c_str(), s.size() + 1);
  }
  void align(uint64_t a) { sp_ &= ~(a - 1); }
  uint64_t sp() const { return sp_; }
  void set_sp(uint64_t sp) { sp_ = sp; }

 private:
  GuestMemory& mem_;
  uint64_t sp_;
};

std::expected<uint64_t, LoadError> build_stack(const LoadOptions& o, const Mapped& exe,
                                               uint16_t phnum, uint64_t interp_bias,
                                               GuestMemory& mem) {
  uint64_t total = 0;
  for (const auto& s : o.argv) total += s.size() + 1;
  for (const auto& s : o.envp) total += s.size() + 1;
  if (total > kMaxArgBytes) return std::unexpected(LoadError::kStackTooLarge);

  StackBuilder sb(mem, o.stack_top);
  sb.push_bytes("\0\0\0\0\0\0\0\0", 8);  // end marker, as Linux leaves above execfn
  std::string execfn = o.argv.empty() ? std::string() : o.argv[0];
  auto execfn_addr = sb.push_string(execfn);
  if (!execfn_addr) return std::unexpected(execfn_addr.error());
  std::vector<uint64_t> env_ptrs, arg_ptrs;
  for (auto it = o.envp.rbegin(); it != o.envp.rend(); ++it) {
    auto a = sb.push_string(*it);
    if (!a) return std::unexpected(a.error());
    env_ptrs.insert(env_ptrs.begin(), *a);
  }
  for (auto it = o.argv.rbegin(); it != o.argv.rend(); ++it) {
    auto a = sb.push_string(*it);
    if (!a) return std::unexpected(a.error());
    arg_ptrs.insert(arg_ptrs.begin(), *a);
  }
  uint64_t platform_addr = 0;
  if (!o.platform.empty()) {
    auto a = sb.push_string(o.platform);
    if (!a) return std::unexpected(a.error());
    platform_addr = *a;
  }
  sb.align(16);
  std::array<std::byte, 16> random{};
  if (!fill_host_random(random)) return std::unexpected(LoadError::kStackTooLarge);
  auto random_addr = sb.push_bytes(random.data(), random.size());
  if (!random_addr) return std::unexpected(random_addr.error());

  std::vector<uint64_t> aux = {
      AT_PHDR, exe.phdr,        AT_PHENT,  56,          AT_PHNUM,  phnum,
      AT_PAGESZ, kPage,         AT_BASE,   interp_bias, AT_FLAGS,  0,
      AT_ENTRY, exe.entry,      AT_UID,    0,           AT_EUID,   0,
      AT_GID,  0,               AT_EGID,   0,           AT_HWCAP,  o.hwcap,
      AT_CLKTCK, 100,           AT_SECURE, 0,           AT_RANDOM, *random_addr,
      AT_HWCAP2, 0,             AT_EXECFN, *execfn_addr,
  };
  if (platform_addr) {
    aux.push_back(AT_PLATFORM);
    aux.push_back(platform_addr);
  }
  aux.push_back(AT_NULL);
  aux.push_back(0);

  // argc + argv + NULL + envp + NULL + auxv, with sp 16-byte aligned at argc.
  std::vector<uint64_t> words;
  words.push_back(o.argv.size());
  words.insert(words.end(), arg_ptrs.begin(), arg_ptrs.end());
  words.push_back(0);
  words.insert(words.end(), env_ptrs.begin(), env_ptrs.end());
  words.push_back(0);
  words.insert(words.end(), aux.begin(), aux.end());
  uint64_t bytes = words.size() * 8;
  sb.set_sp((sb.sp() - bytes) & ~15ull);
  if (!mem.write(sb.sp(), words.data(), bytes)) return std::unexpected(LoadError::kStackTooLarge);
  return sb.sp();
}

uint16_t machine_for(os::Arch a) {
  return a == os::Arch::kRiscv64 ? kMachineRiscv : kMachineX86_64;
}

}  // namespace

const char* describe(LoadError e) {
  switch (e) {
    case LoadError::kNotFound: return "cannot open the program file";
    case LoadError::kNotElf: return "not an ELF file";
    case LoadError::kTruncated: return "the ELF file is truncated";
    case LoadError::kWrongClass: return "not a 64-bit little-endian ELF file";
    case LoadError::kWrongMachine: return "the ELF file is for another machine architecture";
    case LoadError::kNotExecutable: return "the ELF file is not an executable";
    case LoadError::kBadProgramHeaders: return "the ELF program headers are malformed";
    case LoadError::kBadSegment: return "an ELF segment is malformed, overlapping or misaligned";
    case LoadError::kTooLarge: return "the ELF image exceeds the loader's size limits";
    case LoadError::kNoMemory: return "the guest address space cannot hold the program";
    case LoadError::kBadInterpreter: return "the program's interpreter (PT_INTERP) is invalid";
    case LoadError::kStackTooLarge: return "arguments and environment do not fit the stack";
  }
  return "load error";
}

std::expected<LoadedProgram, LoadError> load_program_image(const std::vector<uint8_t>& bytes,
                                                           const LoadOptions& o,
                                                           GuestMemory& mem) {
  auto img = parse_elf(bytes, machine_for(o.arch));
  if (!img) return std::unexpected(img.error());
  uint64_t bias = img->pie ? o.pie_base - img->min_vaddr : 0;
  auto exe = map_image(*img, bias, mem);
  if (!exe) return std::unexpected(exe.error());

  LoadedProgram out;
  out.program_entry = exe->entry;
  out.entry = exe->entry;
  out.load_bias = bias;
  out.brk_start = os::page_ceil(exe->end);
  uint64_t interp_bias = 0;
  std::vector<uint8_t> interp_bytes;
  if (!img->interp.empty()) {
    const std::string& path = o.interp_override.empty() ? img->interp : o.interp_override;
    auto loaded = read_file(path);
    if (!loaded) return std::unexpected(LoadError::kBadInterpreter);
    interp_bytes = std::move(*loaded);
    auto interp = parse_elf(interp_bytes, machine_for(o.arch));
    if (!interp || !interp->pie || !interp->interp.empty())
      return std::unexpected(LoadError::kBadInterpreter);
    interp_bias = o.interp_base - interp->min_vaddr;
    auto mapped = map_image(*interp, interp_bias, mem);
    if (!mapped) return std::unexpected(LoadError::kBadInterpreter);
    out.entry = mapped->entry;
    out.dynamic = true;
  }

  uint64_t stack_lo = o.stack_top - o.stack_size;
  auto stack = mem.map(stack_lo, o.stack_size, os::kProtRead | os::kProtWrite,
                       os::Placement::kFixed);
  if (!stack) return std::unexpected(LoadError::kNoMemory);
  auto sp = build_stack(o, *exe, img->phnum, interp_bias, mem);
  if (!sp) return std::unexpected(sp.error());
  out.stack_pointer = *sp;
  return out;
}

std::expected<LoadedProgram, LoadError> load_program(const std::string& path,
                                                     const LoadOptions& options,
                                                     GuestMemory& mem) {
  auto bytes = read_file(path);
  if (!bytes) return std::unexpected(bytes.error());
  return load_program_image(*bytes, options, mem);
}

}  // namespace forkbox::elf
