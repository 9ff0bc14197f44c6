// Warming a guest to its ready point and freezing it into a Snapshot; see snapshot.hpp. The
// steps: create a machine, load the program, run it to the ready point, capture the machine's
// state, tear the VM down (keeping its RAM memfd), seal the memfd.
#include "kvm/snapshot.hpp"

#include <fcntl.h>

#include <chrono>

#include "elf/loader.hpp"
#include "kvm/guest_loop.hpp"
#include "kvm/kernel_layout.hpp"
#include "kvm/run.hpp"

namespace forkbox::kvm {

bool seal_memfd(int fd) {
  return ::fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) == 0;
}

std::expected<std::shared_ptr<const Snapshot>, std::string> warm_snapshot(
    const WarmRequest& request) {
  const auto started = std::chrono::steady_clock::now();

  // 1. A fresh machine sized for the largest memory limit a fork may ask for.
  MachineConfig config;
  config.memory_bytes = request.memory_bytes;
  auto created = Machine::create(config);
  if (!created) return std::unexpected(std::string(describe(created.error())));
  Machine& m = **created;

  // 2. Load the program at Linux's x86-64 addresses.
  elf::LoadOptions load;
  load.arch = os::Arch::kX86_64;
  load.argv = request.argv;
  load.envp = request.envp;
  load.stack_top = kStackTop;
  load.pie_base = kPieBase;
  load.interp_base = kInterpBase;
  load.hwcap = m.hwcap();
  load.platform = "x86_64";
  auto loaded = elf::load_program(request.program, load, m.memory());
  if (!loaded) return std::unexpected("cannot load " + request.program + ": " +
                                      elf::describe(loaded.error()));
  m.memory().init_brk(loaded->brk_start);

  // 3. The personality: read-only view, captured stdio, pause at the stdin ready point.
  os::PersonalityConfig pconfig;
  pconfig.arch = os::Arch::kX86_64;
  pconfig.allow_read = request.allow_read;
  for (std::string& dir : default_read_view()) pconfig.allow_read.push_back(std::move(dir));
  pconfig.pause_on_stdin_read = request.ready_on_stdin;
  os::Personality personality(std::move(pconfig));

  // 4. Run to the ready point.
  if (!m.start(loaded->entry, loaded->stack_pointer))
    return std::unexpected("cannot set the initial registers");
  LoopEnd end;
  {
    Deadline deadline(m.run_page(), request.timeout_ms);
    CodeChannel channel;
    channel.pause_on_read = !request.ready_on_stdin && !request.ready_on_wait_request;
    HostCallState host;  // no request: wait_request is the ready point
    end = serve_guest(m, personality, deadline, channel, false,
                      request.ready_on_wait_request ? &host : nullptr);
  }
  if (!end.ready) {
    std::string why = end.message.empty() ? describe(end.status) : end.message;
    if (end.status == RunStatus::kExited) why = "exited with status " + std::to_string(end.exit_code);
    std::string err = personality.captured_stderr().substr(0, 2000);
    return std::unexpected("the warm-up of " + request.program + " stopped before its ready point (" +
                           why + ")" + (err.empty() ? "" : ": " + err));
  }
  if (!personality.captured_stdout().empty() || !personality.captured_stderr().empty())
    return std::unexpected("the warm-up printed output before its ready point: " +
                           personality.captured_stderr().substr(0, 2000));

  // 5. Freeze: capture the state, destroy the VM, seal its RAM.
  auto image = m.capture();
  if (!image) return std::unexpected(std::string(describe(image.error())));
  personality.set_pause_on_stdin_read(false);
  UniqueFd memfd = Machine::into_memfd(std::move(*created));
  if (!memfd || !seal_memfd(memfd.get())) return std::unexpected("cannot seal the snapshot memfd");
  auto snap = std::make_shared<Snapshot>(Snapshot{std::move(*image), std::move(memfd),
                                                  std::move(personality), request.ready_on_stdin,
                                                  0});
  snap->warm_us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                            std::chrono::steady_clock::now() - started)
                                            .count());
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

}  // namespace forkbox::kvm
