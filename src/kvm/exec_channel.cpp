// Encoding of the code channel's request; see exec_channel.hpp.
#include "kvm/exec_channel.hpp"

#include <array>
#include <cstring>

#include "common/host_random.hpp"

namespace forkbox::kvm {

namespace {
void put_u32(std::string& out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);  // x86-64 host and guest: little-endian, as the agents expect
  out.append(b, 4);
}
void put_field(std::string& out, std::string_view s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.append(s);
}
}  // namespace

std::expected<std::string, std::string> encode_request(const std::string& file_name,
                                                       const std::string& code,
                                                       const std::vector<std::string>& args,
                                                       size_t seed_bytes) {
  if (args.size() > kMaxArgs) return std::unexpected("too many arguments");
  if (seed_bytes > kPythonSeedBytes) return std::unexpected("the seed is too large");
  size_t total = 12 + seed_bytes + file_name.size() + 4 + code.size() + 4;
  for (const std::string& a : args) total += a.size() + 4;
  if (total > kMaxCodeBytes) return std::unexpected("the code and arguments exceed 8 MiB");
  std::array<std::byte, kPythonSeedBytes> seed{};
  if (!fill_host_random(std::span(seed).first(seed_bytes)))
    return std::unexpected("the host random source failed");
  std::string out;
  out.reserve(total);
  out.append("FBX1");
  put_u32(out, static_cast<uint32_t>(3 + args.size()));
  put_field(out, std::string_view(reinterpret_cast<const char*>(seed.data()), seed_bytes));
  put_field(out, file_name);
  put_field(out, code);
  for (const std::string& a : args) put_field(out, a);
  return out;
}

}  // namespace forkbox::kvm
