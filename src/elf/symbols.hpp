// Function symbols of an ELF64 file (.symtab), for calling guest functions by name. Every
// section offset, size and string index is checked against the file before use.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace forkbox::elf {

// Maps names of defined STT_FUNC symbols to their (unbiased) addresses. A file without a
// symbol table, or with a malformed one, yields an empty map.
[[nodiscard]] std::unordered_map<std::string, uint64_t> read_function_symbols(
    const std::vector<uint8_t>& bytes);

}  // namespace forkbox::elf
