// kvm_dirty_trace: which guest pages one pooled execution changes, and what they are.
//
// The pooled reset reports a count (pages copied back or dropped); to make that count smaller
// one has to know where the pages go. This tool warms the same agent a runtime warms
// (kvm::warm_request_for), forks it like the pooled style does, runs the code a few times with
// a reset in between (so the last run is a steady-state one, as in the benchmark), and then
// compares the fork's guest RAM with the snapshot byte for byte. Every page that differs is
// named by what maps it:
//   - kernel: the reserved area (GDT, IDT, TSS, stub, kernel stack; the VMM writes the
//     system-call frame there);
//   - page table: a physical page no user leaf maps (the VMM's page-table edits);
//   - an ELF object and segment: from the dynamic loader's own list of loaded objects
//     (DT_DEBUG -> r_debug -> link_map), so dlopen()ed extension modules are named too;
//   - heap (brk), stack, or an anonymous mapping; anonymous pages that hold a CPython obmalloc
//     pool show the pool's size class.
// Per page it prints how many 8-byte words changed (a page with one or two changed words is a
// reference count or a list pointer, not real data); the summary groups pages by kind.
//
// It reads memory only through a read-only view of the fork's RAM and of the sealed snapshot,
// so it cannot change what it measures. A diagnostic, not a test: it asserts nothing.
// Usage: kvm_dirty_trace [-c CODE] [--runs N] [--runtime python|lua] [--words]
//                        [--env NAME=VALUE]... (added to the warm-up's environment)
#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "kvm/exec_channel.hpp"
#include "kvm/guest_loop.hpp"
#include "kvm/kernel_layout.hpp"
#include "kvm/page_tables.hpp"
#include "kvm/run.hpp"
#include "kvm/runtimes.hpp"
#include "kvm/snapshot.hpp"

namespace {

using namespace forkbox;
using namespace forkbox::kvm;

// Why 4096: far more objects than python3 with numpy loads (~60); bounds a corrupt list walk.
constexpr size_t kMaxLinkMaps = 4096;
// Why 64 program headers: real shared objects have about 10; bounds reads of a corrupt header.
constexpr uint16_t kMaxPhdrs = 64;
constexpr uint32_t kPtLoad = 1, kPtDynamic = 2, kPtGnuRelro = 0x6474e552;
constexpr int64_t kDtNull = 0, kDtDebug = 21;

// A read-only view of guest RAM (the fork's or the snapshot's) with its page-table walk.
class RamView {
 public:
  RamView(const uint8_t* base, uint64_t size, uint64_t root) : base_(base), size_(size) {
    walk(root);
  }
  const uint8_t* page(uint64_t phys) const {
    return phys + kPageBytes <= size_ ? base_ + phys : nullptr;
  }
  std::optional<uint64_t> phys_of(uint64_t virt) const {
    auto it = virt_to_phys_.find(virt & ~(kPageBytes - 1));
    if (it == virt_to_phys_.end()) return std::nullopt;
    return it->second + (virt & (kPageBytes - 1));
  }
  std::optional<uint64_t> virt_of(uint64_t phys) const {
    auto it = phys_to_virt_.find(phys & ~(kPageBytes - 1));
    if (it == phys_to_virt_.end()) return std::nullopt;
    return it->second;
  }
  bool read(uint64_t virt, void* dst, size_t len) const {
    auto* out = static_cast<uint8_t*>(dst);
    while (len) {
      auto phys = phys_of(virt);
      if (!phys) return false;
      const size_t chunk = std::min<uint64_t>(len, kPageBytes - (virt & (kPageBytes - 1)));
      if (*phys + chunk > size_) return false;
      std::memcpy(out, base_ + *phys, chunk);
      out += chunk;
      virt += chunk;
      len -= chunk;
    }
    return true;
  }
  template <typename T>
  std::optional<T> get(uint64_t virt) const {
    T v{};
    if (!read(virt, &v, sizeof v)) return std::nullopt;
    return v;
  }
  std::string string_at(uint64_t virt) const {
    std::string s;
    // Why 4096: a path longer than PATH_MAX is not a real object name.
    for (; s.size() < 4096; ++virt) {
      auto c = get<char>(virt);
      if (!c || *c == 0) break;
      s.push_back(*c);
    }
    return s;
  }

 private:
  // The user half of the 4-level tables (PML4 entries 0..255); every table address is checked
  // against the RAM size before it is read.
  void walk(uint64_t root) {
    auto table = [&](uint64_t phys) -> const uint64_t* {
      if (phys + kPageBytes > size_) return nullptr;
      return reinterpret_cast<const uint64_t*>(base_ + phys);  // 4 KiB aligned inside RAM
    };
    const uint64_t* l4 = table(root);
    if (!l4) return;
    for (uint64_t i4 = 0; i4 < 256; ++i4) {
      if (!(l4[i4] & pte::kPresent)) continue;
      const uint64_t* l3 = table(l4[i4] & pte::kAddressMask);
      for (uint64_t i3 = 0; l3 && i3 < 512; ++i3) {
        if (!(l3[i3] & pte::kPresent) || (l3[i3] & pte::kLarge)) continue;
        const uint64_t* l2 = table(l3[i3] & pte::kAddressMask);
        for (uint64_t i2 = 0; l2 && i2 < 512; ++i2) {
          if (!(l2[i2] & pte::kPresent) || (l2[i2] & pte::kLarge)) continue;
          const uint64_t* l1 = table(l2[i2] & pte::kAddressMask);
          for (uint64_t i1 = 0; l1 && i1 < 512; ++i1) {
            const uint64_t e = l1[i1];
            if (!(e & (pte::kPresent | pte::kBacked))) continue;
            const uint64_t virt = (i4 << 39) | (i3 << 30) | (i2 << 21) | (i1 << 12);
            virt_to_phys_[virt] = e & pte::kAddressMask;
            phys_to_virt_[e & pte::kAddressMask] = virt;
          }
        }
      }
    }
  }

  const uint8_t* base_;
  uint64_t size_;
  std::unordered_map<uint64_t, uint64_t> virt_to_phys_;
  std::unordered_map<uint64_t, uint64_t> phys_to_virt_;
};

struct Segment {
  uint64_t start, end;
  uint32_t flags;
  uint64_t file_end;  // start + filesz: past it is .bss
};
struct LoadedObject {
  std::string name;
  std::vector<Segment> segments;
  uint64_t relro_start = 0, relro_end = 0;
};

// Program headers of the ELF object whose header is mapped at `header` and whose vaddrs are
// shifted by `bias` (0 for a non-PIE executable), read from guest memory.
std::optional<LoadedObject> object_at(const RamView& ram, uint64_t header, uint64_t bias,
                                      std::string name) {
  unsigned char ident[4];
  if (!ram.read(header, ident, 4) || std::memcmp(ident, "\x7f" "ELF", 4) != 0)
    return std::nullopt;
  auto phoff = ram.get<uint64_t>(header + 32);
  auto phnum = ram.get<uint16_t>(header + 56);
  if (!phoff || !phnum || *phnum > kMaxPhdrs) return std::nullopt;
  LoadedObject obj;
  obj.name = std::move(name);
  for (uint16_t i = 0; i < *phnum; ++i) {
    const uint64_t ph = header + *phoff + 56ull * i;
    auto type = ram.get<uint32_t>(ph);
    auto flags = ram.get<uint32_t>(ph + 4);
    auto vaddr = ram.get<uint64_t>(ph + 16);
    auto filesz = ram.get<uint64_t>(ph + 32);
    auto memsz = ram.get<uint64_t>(ph + 40);
    if (!type || !flags || !vaddr || !filesz || !memsz) return std::nullopt;
    if (*type == kPtLoad)
      obj.segments.push_back({bias + *vaddr, bias + *vaddr + *memsz, *flags, bias + *vaddr + *filesz});
    if (*type == kPtGnuRelro) {
      obj.relro_start = bias + *vaddr;
      obj.relro_end = bias + *vaddr + *memsz;
    }
  }
  return obj;
}

// The objects the dynamic loader has loaded, from the main program's DT_DEBUG entry (which
// ld.so points at its r_debug) and the link_map chain it heads.
std::vector<LoadedObject> loaded_objects(const RamView& ram, const std::string& program) {
  std::vector<LoadedObject> out;
  uint64_t main_header = kPieBase;
  uint64_t main_bias = kPieBase;
  auto main = object_at(ram, main_header, main_bias, program);
  if (!main) {
    // A non-PIE executable: vaddrs are absolute, the header at the usual first page.
    main_header = 0x400000;
    main_bias = 0;
    main = object_at(ram, main_header, main_bias, program);
    if (!main) return out;
  }
  // PT_DYNAMIC of the main program, then DT_DEBUG in it.
  std::optional<uint64_t> r_debug;
  auto phoff = ram.get<uint64_t>(main_header + 32);
  auto phnum = ram.get<uint16_t>(main_header + 56);
  for (uint16_t i = 0; phoff && phnum && i < std::min(*phnum, kMaxPhdrs); ++i) {
    const uint64_t ph = main_header + *phoff + 56ull * i;
    if (ram.get<uint32_t>(ph) != kPtDynamic) continue;
    const uint64_t dyn = main_bias + ram.get<uint64_t>(ph + 16).value_or(0);
    // Why 1024 entries: a dynamic section holds a few dozen; bounds a corrupt walk.
    for (uint64_t d = dyn; d < dyn + 1024 * 16; d += 16) {
      auto tag = ram.get<int64_t>(d);
      if (!tag || *tag == kDtNull) break;
      if (*tag == kDtDebug) r_debug = ram.get<uint64_t>(d + 8);
    }
  }
  if (!r_debug || *r_debug == 0) {
    out.push_back(std::move(*main));
    return out;
  }
  // struct r_debug { int r_version; struct link_map* r_map; ... }; struct link_map { l_addr,
  // l_name, l_ld, l_next, l_prev }.
  uint64_t lm = ram.get<uint64_t>(*r_debug + 8).value_or(0);
  for (size_t n = 0; lm && n < kMaxLinkMaps; ++n) {
    const uint64_t bias = ram.get<uint64_t>(lm).value_or(0);
    std::string name = ram.string_at(ram.get<uint64_t>(lm + 8).value_or(0));
    const bool is_main = name.empty();
    if (is_main) name = program;
    auto obj = is_main ? object_at(ram, main_header, main_bias, name)
                       : object_at(ram, bias, bias, name);
    if (obj) out.push_back(std::move(*obj));
    lm = ram.get<uint64_t>(lm + 24).value_or(0);
  }
  return out;
}

std::string short_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// A CPython 3.11 obmalloc pool header at `pool` (pools are 16 KiB, aligned): size-class index,
// offsets and a plausible block count, or nullopt.
std::optional<unsigned> obmalloc_size_class(const RamView& ram, uint64_t pool) {
  constexpr uint64_t kPoolBytes = 16 << 10;
  auto count = ram.get<uint32_t>(pool);
  auto szidx = ram.get<uint32_t>(pool + 36);
  auto nextoffset = ram.get<uint32_t>(pool + 40);
  auto maxnextoffset = ram.get<uint32_t>(pool + 44);
  if (!count || !szidx || !nextoffset || !maxnextoffset) return std::nullopt;
  if (*szidx >= 32 || *maxnextoffset > kPoolBytes || *nextoffset > kPoolBytes + 512 ||
      *maxnextoffset < 48 || *count > kPoolBytes / 16)
    return std::nullopt;
  return *szidx;
}

// The CPython object a changed word belongs to, when the word is in an obmalloc block: the
// block's object (at the block start, or 16 bytes in for objects with a GC header) is accepted
// when its type pointer leads to a type whose type's type is itself (type(type) is type).
// Prints the type's name, and the text of a short ASCII str.
std::string object_at_word(const RamView& ram, uint64_t pool, unsigned size_class, uint64_t word) {
  constexpr uint64_t kPoolHeader = 48;
  const uint64_t block_bytes = (size_class + 1) * 16ull;
  if (word < pool + kPoolHeader) return "pool header";
  const uint64_t block = pool + kPoolHeader + (word - pool - kPoolHeader) / block_bytes * block_bytes;
  for (uint64_t object : {block, block + 16}) {
    if (word < object) continue;
    auto type = ram.get<uint64_t>(object + 8);
    if (!type) continue;
    auto meta = ram.get<uint64_t>(*type + 8);
    if (!meta || ram.get<uint64_t>(*meta + 8) != *meta) continue;
    std::string name = ram.string_at(ram.get<uint64_t>(*type + 24).value_or(0));
    if (name.empty() || name.size() > 64) continue;
    std::string what = fmt::format("{}+{:#x}", name, word - object);
    auto length = ram.get<uint64_t>(object + 16);
    auto state = ram.get<uint32_t>(object + 32);
    // PyASCIIObject: compact ascii (state bits 5 and 6) text follows the 48-byte header.
    if (name == "str" && length && state && *length <= 40 && (*state & 0x60) == 0x60) {
      std::string text(*length, '\0');
      if (ram.read(object + 48, text.data(), text.size())) what += " '" + text + "'";
    }
    return what;
  }
  return "free block or unknown";
}

struct Classified {
  std::string kind;    // the summary's group
  std::string detail;  // the per-page line
};

Classified classify(uint64_t phys, const RamView& fork, const std::vector<LoadedObject>& objects,
                    const AddressSpace::State& space) {
  if (phys < kReservedBytes) return {"kernel area", fmt::format("kernel phys {:#x}", phys)};
  auto virt = fork.virt_of(phys);
  if (!virt) return {"page tables / unmapped", "not mapped by any user leaf"};
  const uint64_t v = *virt;
  for (const LoadedObject& obj : objects) {
    for (const Segment& s : obj.segments) {
      if (v < (s.start & ~(kPageBytes - 1)) || v >= s.end) continue;
      const char* part = v >= (s.file_end & ~(kPageBytes - 1)) + kPageBytes ? "bss"
                         : (v >= obj.relro_start && v < obj.relro_end) ? "relro"
                         : (s.flags & 2)                                 ? "data"
                                                                         : "text/rodata";
      const std::string name = short_name(obj.name);
      return {name + " " + part, fmt::format("{:#x} {} {}+{:#x}", v, name, part, v - s.start)};
    }
  }
  if (v >= space.brk_start && v < space.brk)
    return {"heap (brk)", fmt::format("{:#x} heap+{:#x}", v, v - space.brk_start)};
  const os::Region* region = space.map.find(v);
  if (region && region->end == kStackTop)
    return {"stack", fmt::format("{:#x} stack top-{:#x}", v, kStackTop - v)};
  if (!region) return {"unmapped user page", fmt::format("{:#x} (no region)", v)};
  const std::string where =
      fmt::format("anon [{:#x},{:#x}) {} KiB", region->start, region->end,
                  (region->end - region->start) >> 10);
  if (auto sz = obmalloc_size_class(fork, v & ~uint64_t{(16 << 10) - 1}))
    return {"anon: obmalloc pools",
            fmt::format("{:#x} obmalloc pool, {}-byte blocks, in {}", v, (*sz + 1) * 16, where)};
  return {"anon: other", fmt::format("{:#x} {}", v, where)};
}

struct Options {
  std::string code = "print(1+1)";
  std::string runtime = "python";
  int runs = 3;
  bool words = false;
  std::map<std::string, std::string> env;  // added to the runtime's environment (warm-up)
};

int usage() {
  fmt::print(stderr,
             "usage: kvm_dirty_trace [-c CODE] [--runs N] [--runtime python|lua] [--words]\n"
             "                       [--env NAME=VALUE]...\n"
             "  lists the guest pages the last of N pooled executions of CODE changed\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "-c" && has_value) opt.code = argv[++i];
    else if (a == "--runs" && has_value) opt.runs = std::clamp(std::atoi(argv[++i]), 1, 1000);
    else if (a == "--runtime" && has_value) opt.runtime = argv[++i];
    else if (a == "--words") opt.words = true;
    else if (a == "--env" && has_value && std::strchr(argv[i + 1], '=')) {
      const std::string kv = argv[++i];
      opt.env[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
    else return usage();
  }
  std::string why;
  if (!available(&why)) {
    fmt::print(stderr, "kvm is not available: {}\n", why);
    return 1;
  }
  RuntimeConfig config;
  config.name = opt.runtime;
  config.engine = "kvm";
  config.env = opt.env;
  auto warm = warm_request_for(config);
  if (!warm) {
    fmt::print(stderr, "{}\n", warm.error());
    return 1;
  }
  auto snap = warm_snapshot(*warm);
  if (!snap) {
    fmt::print(stderr, "warm-up failed: {}\n", snap.error());
    return 1;
  }
  const Snapshot& s = **snap;
  const uint64_t max_pages = (s.image.memory_size - kReservedBytes) / kPageBytes;
  auto m = Machine::create_fork(s.image, s.memfd.get(), true, max_pages);
  if (!m) {
    fmt::print(stderr, "fork failed: {}\n", describe(m.error()));
    return 1;
  }
  for (int run = 1; run <= opt.runs; ++run) {
    auto blob = encode_request("<string>", opt.code, {},
                               s.ready_on_stdin ? kLuaSeedBytes : kPythonSeedBytes);
    if (!blob) {
      fmt::print(stderr, "{}\n", blob.error());
      return 1;
    }
    os::Personality personality = s.personality;
    CodeChannel channel;
    if (s.ready_on_stdin) {
      personality.set_stdin_data(*blob);
    } else {
      channel.data = std::move(*blob);
    }
    LoopEnd end;
    {
      Deadline deadline((*m)->run_page(), 10'000);
      end = serve_guest(**m, personality, deadline, channel, true);
    }
    fmt::print("run {}: status {} exit {} syscalls {} stdout {:?} stderr {:?}\n", run,
               describe(end.status), end.exit_code, end.syscalls, personality.captured_stdout(),
               personality.captured_stderr().substr(0, 300));
    if (run == opt.runs) break;
    auto changed = (*m)->reset(s.image, max_pages);
    if (!changed) {
      fmt::print(stderr, "reset failed: {}\n", describe(changed.error()));
      return 1;
    }
    fmt::print("run {}: the reset put back {} pages ({} KiB)\n", run, *changed, *changed * 4);
  }

  // The sealed snapshot, read-only, next to the fork's RAM.
  const uint64_t size = s.image.memory_size;
  void* snap_map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED | MAP_NORESERVE, s.memfd.get(), 0);
  if (snap_map == MAP_FAILED) {
    fmt::print(stderr, "cannot map the snapshot\n");
    return 1;
  }
  const PhysMemory& ram = (*m)->phys_memory();
  const RamView fork(ram.host(0), size, s.image.page_table_root);
  const auto* snap_bytes = static_cast<const uint8_t*>(snap_map);
  const RamView before_view(snap_bytes, size, s.image.page_table_root);
  const std::vector<LoadedObject> objects = loaded_objects(fork, warm->program);
  const AddressSpace::State space = (*m)->memory().state();

  std::map<std::string, std::pair<uint64_t, uint64_t>> by_kind;  // kind -> pages, words
  std::vector<std::pair<std::string, std::string>> lines;
  const uint64_t end_phys = std::max(ram.alloc_state().next, s.image.alloc.next);
  static const uint8_t kZero[kPageBytes] = {};
  uint64_t total = 0;
  for (uint64_t phys = 0; phys < end_phys; phys += kPageBytes) {
    const uint8_t* now = fork.page(phys);
    const uint8_t* before = phys < s.image.alloc.next ? snap_bytes + phys : kZero;
    if (!now || std::memcmp(now, before, kPageBytes) == 0) continue;
    std::vector<unsigned> changed_words;
    for (unsigned w = 0; w < kPageBytes / 8; ++w)
      if (std::memcmp(now + w * 8, before + w * 8, 8) != 0) changed_words.push_back(w * 8);
    Classified c = classify(phys, fork, objects, space);
    if (phys >= s.image.alloc.next) c.kind += " (new page)";
    std::string line = fmt::format("phys {:#10x} {:4} words  {}", phys, changed_words.size(),
                                   c.detail);
    if (opt.words && changed_words.size() <= 8) {
      line += "  @";
      for (unsigned off : changed_words) line += fmt::format(" {:#x}", off);
      auto virt = fork.virt_of(phys);
      const uint64_t pool = virt.value_or(0) & ~uint64_t{(16 << 10) - 1};
      const unsigned size_class = virt ? obmalloc_size_class(fork, pool).value_or(~0u) : ~0u;
      for (unsigned off : changed_words) {
        if (size_class == ~0u) break;
        std::string now_obj = object_at_word(fork, pool, size_class, *virt + off);
        // A block freed during the run: what lived there is in the snapshot.
        if (now_obj == "free block or unknown")
          now_obj = "was " + object_at_word(before_view, pool, size_class, *virt + off);
        line += "\n        " + now_obj;
      }
    }
    lines.emplace_back(c.kind, std::move(line));
    auto& k = by_kind[c.kind];
    ++k.first;
    k.second += changed_words.size();
    ++total;
  }
  std::sort(lines.begin(), lines.end());
  fmt::print("\npages whose bytes differ from the snapshot after run {}:\n", opt.runs);
  for (const auto& [kind, line] : lines) fmt::print("  {}\n", line);
  fmt::print("\nby kind (pages, changed 8-byte words):\n");
  std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> kinds(by_kind.begin(),
                                                                           by_kind.end());
  std::sort(kinds.begin(), kinds.end(),
            [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
  for (const auto& [kind, n] : kinds) fmt::print("  {:5} pages {:7} words  {}\n", n.first, n.second, kind);
  fmt::print("total: {} pages ({} KiB); {} loaded objects named\n", total, total * 4,
             objects.size());
  auto last = (*m)->reset(s.image, max_pages);
  if (last) fmt::print("the reset after run {} put back {} pages ({} KiB)\n", opt.runs, *last,
                       *last * 4);
  ::munmap(snap_map, size);
  return 0;
}
