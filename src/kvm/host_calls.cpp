// Host calls on the kvm engine; see host_calls.hpp. Guest pointers are checked by the address
// space's read/write (EFAULT on anything unmapped or without the needed right).
#include "kvm/host_calls.hpp"

#include <strings.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

namespace forkbox::kvm {
namespace {

enum : uint64_t {
  kWaitRequest = 0,
  kRequestField = 1,
  kRequestHeader = 2,
  kRespond = 3,
  kLog = 4,
  kHeaderAt = 5,
};

HostCallEnd ret(Machine& m, int64_t v) {
  m.finish_syscall(static_cast<uint64_t>(v));
  return HostCallEnd::kContinue;
}

// Copies `value` to guest (buf, cap) and returns its full length, as forkbox.h documents.
HostCallEnd give(Machine& m, std::string_view value, uint64_t buf, uint64_t cap) {
  const size_t n = static_cast<size_t>(std::min<uint64_t>(cap, value.size()));
  if (n && !m.memory().write(buf, value.data(), n)) return ret(m, -EFAULT);
  return ret(m, static_cast<int64_t>(value.size()));
}

}  // namespace

HostCallEnd serve_host_call(Machine& m, uint64_t nr, HostCallState& s) {
  const kvm_regs& r = m.regs();
  const uint64_t a[5] = {r.rdi, r.rsi, r.rdx, r.r10, r.r8};
  const HandlerRequest* req = s.request;
  switch (nr - kHostCallBase) {
    case kWaitRequest:
      if (!req) return HostCallEnd::kReady;
      if (s.resumed) return HostCallEnd::kWaitedAgain;
      s.resumed = true;
      return ret(m, 0);
    case kRequestField: {
      if (!req) return ret(m, -ENOENT);
      std::string_view v;
      switch (a[0]) {
        case 0:
          v = req->method;
          break;
        case 1:
          v = req->path;
          break;
        case 2:
          v = req->query;
          break;
        case 3:
          v = req->body;
          break;
        default:
          return ret(m, -EINVAL);
      }
      return give(m, v, a[1], a[2]);
    }
    case kRequestHeader: {
      if (!req) return ret(m, -ENOENT);
      if (a[1] > kMaxHeaderName) return ret(m, -EINVAL);
      char name[kMaxHeaderName];
      if (a[1] && !m.memory().read(a[0], name, a[1])) return ret(m, -EFAULT);
      const std::string_view want(name, a[1]);
      for (const auto& [k, v] : req->headers)
        if (k.size() == want.size() && ::strncasecmp(k.data(), want.data(), k.size()) == 0)
          return give(m, v, a[2], a[3]);
      return ret(m, -ENOENT);
    }
    case kHeaderAt: {
      if (!req || a[0] >= req->headers.size()) return ret(m, -ENOENT);
      const auto& [k, v] = req->headers[a[0]];
      if (a[2] > 0) {
        const size_t n = std::min<size_t>(k.size(), a[2] - 1);
        if (n && !m.memory().write(a[1], k.data(), n)) return ret(m, -EFAULT);
        const char nul = 0;
        if (!m.memory().write(a[1] + n, &nul, 1)) return ret(m, -EFAULT);
      }
      return give(m, v, a[3], a[4]);
    }
    case kRespond: {
      const int64_t status = static_cast<int64_t>(a[0]);
      if (status < 100 || status > 599 || a[2] > kMaxContentType || a[4] > kMaxResponseBody)
        return ret(m, -EINVAL);
      HandlerResponse& out = s.response;
      out.content_type.resize(a[2]);
      out.body.resize(a[4]);
      if ((a[2] && !m.memory().read(a[1], out.content_type.data(), a[2])) ||
          (a[4] && !m.memory().read(a[3], out.body.data(), a[4]))) {
        out.content_type.clear();
        out.body.clear();
        return ret(m, -EFAULT);
      }
      out.http_status = static_cast<int>(status);
      return HostCallEnd::kResponded;
    }
    case kLog: {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(a[1], kMaxLogLine));
      std::string line(n, '\0');
      if (n && !m.memory().read(a[0], line.data(), n)) return ret(m, -EFAULT);
      // A chatty handler is logged, a flood is not kept.
      if (s.response.log.size() + n + 1 <= kMaxLogPerRequest) {
        s.response.log += line;
        s.response.log += '\n';
      }
      return ret(m, 0);
    }
  }
  return ret(m, -ENOSYS);
}

}  // namespace forkbox::kvm
