// Prometheus exposition of the server's counters; see metrics.hpp. Rendering sums the
// per-thread slots at scrape time, which is rare, so the request path never aggregates.
#include "server/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace forkbox::server {

const char* route_name(Route r) {
  switch (r) {
    case Route::kRoot: return "root";
    case Route::kApp: return "app";
    case Route::kExec: return "exec";
    case Route::kPistonExecute: return "piston_execute";
    case Route::kPistonRuntimes: return "piston_runtimes";
    case Route::kRuntimes: return "runtimes";
    case Route::kHealthz: return "healthz";
    case Route::kMetrics: return "metrics";
    case Route::kAdmin: return "admin";
    case Route::kOther:
    case Route::kCount: break;
  }
  return "other";
}

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kOk: return "ok";
    case Outcome::kFault: return "fault";
    case Outcome::kTimeout: return "timeout";
    case Outcome::kMemory: return "memory";
    case Outcome::kOutput: return "output";
    case Outcome::kError: return "error";
    case Outcome::kBusy:
    case Outcome::kCount: break;
  }
  return "busy";
}

Outcome outcome_of(RunStatus s) {
  switch (s) {
    case RunStatus::kExited: return Outcome::kOk;
    case RunStatus::kSignaled:
    case RunStatus::kFault: return Outcome::kFault;
    case RunStatus::kTimeout: return Outcome::kTimeout;
    case RunStatus::kMemoryLimit: return Outcome::kMemory;
    case RunStatus::kOutputLimit: return Outcome::kOutput;
    case RunStatus::kLoadError:
    case RunStatus::kEngineError: break;
  }
  return Outcome::kError;
}

void Histogram::observe(uint64_t us) {
  size_t i = static_cast<size_t>(
      std::lower_bound(kLatencyBoundsUs.begin(), kLatencyBoundsUs.end(), us) -
      kLatencyBoundsUs.begin());
  buckets[i].add();
  sum_us.add(us);
}

MetricsStore::MetricsStore(unsigned threads) : threads_(threads) {}

std::shared_ptr<EntryMetrics> MetricsStore::entry(const std::string& kind, const std::string& name) {
  std::lock_guard lock(entries_mutex_);
  auto& slot = entries_[{kind, name}];
  if (!slot) slot = std::make_shared<EntryMetrics>(kind, name, thread_count());
  return slot;
}

namespace {

struct Summed {
  std::array<uint64_t, kLatencyBoundsUs.size() + 1> buckets{};
  uint64_t sum_us = 0;
  void add(const Histogram& h) {
    for (size_t i = 0; i < buckets.size(); ++i) buckets[i] += h.buckets[i].get();
    sum_us += h.sum_us.get();
  }
};

void render_histogram(std::string& out, const char* name, const std::string& labels,
                      const Summed& h) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kLatencyBoundsUs.size(); ++i) {
    cumulative += h.buckets[i];
    fmt::format_to(std::back_inserter(out), "{}_bucket{{{},le=\"{}\"}} {}\n", name, labels,
                   static_cast<double>(kLatencyBoundsUs[i]) / 1e6, cumulative);
  }
  cumulative += h.buckets.back();
  fmt::format_to(std::back_inserter(out), "{}_bucket{{{},le=\"+Inf\"}} {}\n", name, labels,
                 cumulative);
  fmt::format_to(std::back_inserter(out), "{}_sum{{{}}} {}\n{}_count{{{}}} {}\n", name, labels,
                 static_cast<double>(h.sum_us) / 1e6, name, labels, cumulative);
}

// Label values come from configuration (runtime and handler names), never from requests;
// escape them anyway as the format requires.
std::string escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

void MetricsStore::render(std::string& out, const std::vector<SandboxSample>& live) const {
  auto it = std::back_inserter(out);
  out += "# HELP forkbox_http_requests_total HTTP requests by route and status class.\n"
         "# TYPE forkbox_http_requests_total counter\n";
  std::array<Summed, kRouteCount> latency;
  for (size_t r = 0; r < kRouteCount; ++r) {
    std::array<uint64_t, 5> classes{};
    for (const ThreadMetrics& t : threads_) {
      for (size_t c = 0; c < 5; ++c) classes[c] += t.routes[r].by_class[c].get();
      latency[r].add(t.routes[r].latency);
    }
    for (size_t c = 0; c < 5; ++c) {
      if (classes[c] == 0) continue;
      fmt::format_to(it, "forkbox_http_requests_total{{route=\"{}\",code=\"{}xx\"}} {}\n",
                     route_name(static_cast<Route>(r)), c + 1, classes[c]);
    }
  }
  out += "# HELP forkbox_http_request_duration_seconds Time from a complete request to its "
         "response, by route.\n# TYPE forkbox_http_request_duration_seconds histogram\n";
  for (size_t r = 0; r < kRouteCount; ++r) {
    render_histogram(out, "forkbox_http_request_duration_seconds",
                     fmt::format("route=\"{}\"", route_name(static_cast<Route>(r))), latency[r]);
  }
  uint64_t accepted = 0, open = 0, timeouts = 0, bad = 0;
  std::array<uint64_t, kRejectionCount> rejections{};
  for (const ThreadMetrics& t : threads_) {
    accepted += t.connections_accepted.get();
    open += t.connections_open.get();
    timeouts += t.timeouts.get();
    bad += t.bad_requests.get();
    for (size_t i = 0; i < kRejectionCount; ++i) rejections[i] += t.rejections[i].get();
  }
  fmt::format_to(it,
                 "# TYPE forkbox_http_connections_accepted_total counter\n"
                 "forkbox_http_connections_accepted_total {}\n"
                 "# TYPE forkbox_http_connections_open gauge\nforkbox_http_connections_open {}\n"
                 "# TYPE forkbox_http_timeouts_total counter\nforkbox_http_timeouts_total {}\n"
                 "# TYPE forkbox_http_bad_requests_total counter\n"
                 "forkbox_http_bad_requests_total {}\n",
                 accepted, open, timeouts, bad);
  static constexpr std::array<const char*, kRejectionCount> kRejectionNames = {
      "auth", "rate", "concurrency", "queue_full", "connections"};
  out += "# HELP forkbox_http_rejected_total Requests refused before any sandbox ran.\n"
         "# TYPE forkbox_http_rejected_total counter\n";
  for (size_t i = 0; i < kRejectionCount; ++i)
    fmt::format_to(it, "forkbox_http_rejected_total{{reason=\"{}\"}} {}\n", kRejectionNames[i],
                   rejections[i]);
  fmt::format_to(it,
                 "# TYPE forkbox_reloads_total counter\n"
                 "forkbox_reloads_total{{result=\"ok\"}} {}\n"
                 "forkbox_reloads_total{{result=\"failed\"}} {}\n",
                 reloads_ok.load(), reloads_failed.load());

  std::vector<std::shared_ptr<EntryMetrics>> entries;
  {
    std::lock_guard lock(entries_mutex_);
    for (const auto& [key, e] : entries_) entries.push_back(e);
  }
  out += "# HELP forkbox_sandbox_requests_total Sandboxed calls by runtime or handler and "
         "outcome (fault, timeout, memory and output are limit hits and faults by kind).\n"
         "# TYPE forkbox_sandbox_requests_total counter\n";
  for (const auto& e : entries) {
    std::string labels = fmt::format("kind=\"{}\",name=\"{}\"", e->kind, escape(e->name));
    for (size_t o = 0; o < kOutcomeCount; ++o) {
      uint64_t n = 0;
      for (const EntrySlot& s : e->slots) n += s.outcomes[o].get();
      fmt::format_to(it, "forkbox_sandbox_requests_total{{{},outcome=\"{}\"}} {}\n", labels,
                     outcome_name(static_cast<Outcome>(o)), n);
    }
  }
  out += "# TYPE forkbox_sandbox_duration_seconds histogram\n";
  for (const auto& e : entries) {
    Summed h;
    for (const EntrySlot& s : e->slots) h.add(s.latency);
    render_histogram(out, "forkbox_sandbox_duration_seconds",
                     fmt::format("kind=\"{}\",name=\"{}\"", e->kind, escape(e->name)), h);
  }
  out += "# TYPE forkbox_sandbox_instructions_total counter\n"
         "# TYPE forkbox_sandbox_cpu_seconds_total counter\n"
         "# TYPE forkbox_sandbox_pages_written_total counter\n"
         "# TYPE forkbox_sandbox_queued gauge\n";
  for (const auto& e : entries) {
    uint64_t ins = 0, cpu = 0, pages = 0;
    for (const EntrySlot& s : e->slots) {
      ins += s.instructions.get();
      cpu += s.cpu_us.get();
      pages += s.pages_written.get();
    }
    std::string labels = fmt::format("kind=\"{}\",name=\"{}\"", e->kind, escape(e->name));
    fmt::format_to(it,
                   "forkbox_sandbox_instructions_total{{{0}}} {1}\n"
                   "forkbox_sandbox_cpu_seconds_total{{{0}}} {2}\n"
                   "forkbox_sandbox_pages_written_total{{{0}}} {3}\n"
                   "forkbox_sandbox_queued{{{0}}} {4}\n",
                   labels, ins, static_cast<double>(cpu) / 1e6, pages, e->queued.load());
  }
  out += "# HELP forkbox_engine_forks_total Engine counters of the sandboxes now served "
         "(they restart when a reload replaces a sandbox).\n"
         "# TYPE forkbox_engine_forks_total counter\n# TYPE forkbox_engine_resets_total counter\n"
         "# TYPE forkbox_engine_faults_total counter\n"
         "# TYPE forkbox_engine_limit_hits_total counter\n"
         "# TYPE forkbox_engine_instructions_total counter\n"
         "# TYPE forkbox_engine_pool_size gauge\n";
  for (const SandboxSample& s : live) {
    std::string labels =
        fmt::format("kind=\"{}\",name=\"{}\"", s.metrics->kind, escape(s.metrics->name));
    const SandboxCounters& c = s.counters;
    fmt::format_to(it,
                   "forkbox_engine_forks_total{{{0}}} {1}\n"
                   "forkbox_engine_resets_total{{{0}}} {2}\n"
                   "forkbox_engine_faults_total{{{0}}} {3}\n"
                   "forkbox_engine_limit_hits_total{{{0},limit=\"timeout\"}} {4}\n"
                   "forkbox_engine_limit_hits_total{{{0},limit=\"memory\"}} {5}\n"
                   "forkbox_engine_limit_hits_total{{{0},limit=\"output\"}} {6}\n"
                   "forkbox_engine_instructions_total{{{0}}} {7}\n"
                   "forkbox_engine_pool_size{{{0}}} {8}\n",
                   labels, c.forks, c.resets, c.faults, c.timeouts, c.memory_limits,
                   c.output_limits, c.instructions, c.pool_size);
  }
}

}  // namespace forkbox::server
