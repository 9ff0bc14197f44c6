// How a kvm test skips: with the reason /dev/kvm cannot be used here (missing, no permission,
// an API version we do not speak), so a skipped run says why instead of passing silently.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "kvm/run.hpp"

#define SKIP_WITHOUT_KVM()                                                     \
  do {                                                                         \
    std::string why_;                                                          \
    if (!::forkbox::kvm::available(&why_)) GTEST_SKIP() << "no kvm: " << why_; \
  } while (0)
