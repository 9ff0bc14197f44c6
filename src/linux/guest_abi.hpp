// Linux ABI constants as the guest uses them. They are spelled out here instead of taken from
// the host's <fcntl.h>/<sys/mman.h> because they are part of the guest ABI, not the host's;
// riscv64 (asm-generic) and x86-64 happen to agree on every value below, which the unit tests
// pin for the values that differ on other architectures (O_DIRECTORY, O_NOFOLLOW).
#pragma once

#include <cstdint>

namespace forkbox::os::abi {

// open(2) flags.
inline constexpr uint64_t kOAccMode = 03;
inline constexpr uint64_t kORdOnly = 0;
inline constexpr uint64_t kOWrOnly = 01;
inline constexpr uint64_t kOCreat = 0100;
inline constexpr uint64_t kOExcl = 0200;
inline constexpr uint64_t kOTrunc = 01000;
inline constexpr uint64_t kOAppend = 02000;
inline constexpr uint64_t kONonblock = 04000;
inline constexpr uint64_t kODirect = 040000;
inline constexpr uint64_t kOLargefile = 0100000;
inline constexpr uint64_t kODirectory = 0200000;
inline constexpr uint64_t kONofollow = 0400000;
inline constexpr uint64_t kOCloexec = 02000000;
inline constexpr uint64_t kOPath = 010000000;
inline constexpr uint64_t kOTmpfile = 020000000;

// *at(2) conventions.
inline constexpr int64_t kAtFdCwd = -100;
inline constexpr uint64_t kAtSymlinkNofollow = 0x100;
inline constexpr uint64_t kAtEaccess = 0x200;
inline constexpr uint64_t kAtSymlinkFollow = 0x400;
inline constexpr uint64_t kAtNoAutomount = 0x800;
inline constexpr uint64_t kAtEmptyPath = 0x1000;
inline constexpr uint64_t kAtStatxSyncMask = 0x6000;

// access(2) modes.
inline constexpr uint64_t kROk = 4;
inline constexpr uint64_t kWOk = 2;
inline constexpr uint64_t kXOk = 1;

// fcntl(2) commands.
inline constexpr int64_t kFDupfd = 0;
inline constexpr int64_t kFGetfd = 1;
inline constexpr int64_t kFSetfd = 2;
inline constexpr int64_t kFGetfl = 3;
inline constexpr int64_t kFSetfl = 4;
inline constexpr int64_t kFGetlk = 5;
inline constexpr int64_t kFSetlk = 6;
inline constexpr int64_t kFSetlkw = 7;
inline constexpr int64_t kFOfdGetlk = 36;
inline constexpr int64_t kFOfdSetlk = 37;
inline constexpr int64_t kFOfdSetlkw = 38;
inline constexpr int64_t kFDupfdCloexec = 1030;
inline constexpr int64_t kFSetpipeSz = 1031;
inline constexpr int64_t kFGetpipeSz = 1032;
inline constexpr uint64_t kFdCloexec = 1;
inline constexpr uint16_t kFUnlck = 2;

// ioctl(2) requests (asm-generic/ioctls.h; x86-64 uses the same numbers).
inline constexpr uint64_t kTcgets = 0x5401;
inline constexpr uint64_t kTiocgwinsz = 0x5413;
inline constexpr uint64_t kFionread = 0x541B;
inline constexpr uint64_t kFionbio = 0x5421;
inline constexpr uint64_t kFionclex = 0x5450;
inline constexpr uint64_t kFioclex = 0x5451;

// lseek(2).
inline constexpr int64_t kSeekSet = 0;
inline constexpr int64_t kSeekCur = 1;
inline constexpr int64_t kSeekEnd = 2;

// mmap(2) family.
inline constexpr uint64_t kMapShared = 0x01;
inline constexpr uint64_t kMapPrivate = 0x02;
inline constexpr uint64_t kMapSharedValidate = 0x03;
inline constexpr uint64_t kMapTypeMask = 0x0f;
inline constexpr uint64_t kMapFixed = 0x10;
inline constexpr uint64_t kMapAnonymous = 0x20;
inline constexpr uint64_t kMapFixedNoreplace = 0x100000;
inline constexpr uint64_t kMremapMaymove = 1;
inline constexpr uint64_t kMadvDontneed = 4;

// Signals (identical numbering on riscv64 and x86-64).
inline constexpr int kSigKill = 9;
inline constexpr int kSigPipe = 13;
inline constexpr int kSigChld = 17;
inline constexpr int kSigCont = 18;
inline constexpr int kSigStop = 19;
inline constexpr int kSigUrg = 23;
inline constexpr int kSigWinch = 28;
inline constexpr uint64_t kSigDfl = 0;
inline constexpr uint64_t kSigIgn = 1;
inline constexpr int64_t kSigBlock = 0;
inline constexpr int64_t kSigUnblock = 1;
inline constexpr int64_t kSigSetmask = 2;

}  // namespace forkbox::os::abi
