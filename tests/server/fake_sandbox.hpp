// Fake Runtime and Handler for the server tests: their behaviour is chosen by the request
// (the code of an execution, the path of a handler request), so every status the server maps
// (fault, limits, busy, engine errors, slow calls) can be produced without a real engine.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "sandbox/runtime.hpp"

namespace forkbox::server::testing {

inline void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

// Code: "print:TEXT" | "fault" | "timeout" | "memory" | "busy" | "error" | "sleep:MS" | "exit:N"
class FakeRuntime : public Runtime {
 public:
  FakeRuntime(std::string name, bool blocking, std::string version = "1.2.3")
      : blocking_(blocking) {
    info_.name = std::move(name);
    info_.version = std::move(version);
    info_.engine = blocking ? "kvm" : "riscv";
    info_.aliases = {info_.name + "-alias"};
  }
  const RuntimeInfo& info() const override { return info_; }
  bool blocking() const override { return blocking_; }
  std::expected<ExecResult, RuntimeError> exec(const ExecRequest& req) override {
    calls.fetch_add(1);
    ExecResult r;
    r.usage.instructions = 1000;
    r.usage.cpu_us = 7;
    r.usage.pages_written = 3;
    r.timings.total_us = 5;
    const std::string& code = req.code;
    if (code == "busy") return std::unexpected(RuntimeError::kBusy);
    if (code == "fault") {
      r.status = RunStatus::kFault;
      r.message = "illegal instruction";
    } else if (code == "timeout") {
      r.status = RunStatus::kTimeout;
    } else if (code == "memory") {
      r.status = RunStatus::kMemoryLimit;
    } else if (code == "error") {
      r.status = RunStatus::kEngineError;
      r.message = "engine broke";
    } else if (code.starts_with("sleep:")) {
      sleep_ms(std::stoi(code.substr(6)));
      r.stdout_data = "slept";
    } else if (code.starts_with("exit:")) {
      r.exit_code = std::stoi(code.substr(5));
    } else if (code.starts_with("print:")) {
      r.stdout_data = code.substr(6) + req.stdin_data;
      for (const std::string& a : req.args) r.stdout_data += " " + a;
      r.stderr_data = "err";
    }
    return r;
  }
  SandboxCounters counters() const override {
    SandboxCounters c;
    c.forks = calls.load();
    return c;
  }
  std::atomic<uint64_t> calls{0};

 private:
  RuntimeInfo info_;
  bool blocking_;
};

// Path: "/fault" | "/timeout" | "/memory" | "/busy" | "/badtype" | "/sleep" | anything: echo.
class FakeHandler : public Handler {
 public:
  FakeHandler(std::string name, bool blocking, std::string tag = "v1")
      : name_(std::move(name)), blocking_(blocking), tag_(std::move(tag)) {}
  const std::string& name() const override { return name_; }
  bool blocking() const override { return blocking_; }
  std::expected<HandlerResponse, RuntimeError> handle(const HandlerRequest& req) override {
    HandlerResponse r;
    r.content_type = "text/plain";
    if (req.path == "/busy") return std::unexpected(RuntimeError::kBusy);
    if (req.path == "/fault") {
      r.status = RunStatus::kFault;
      r.message = "segfault at 0x0";
    } else if (req.path == "/timeout") {
      r.status = RunStatus::kTimeout;
    } else if (req.path == "/memory") {
      r.status = RunStatus::kMemoryLimit;
    } else if (req.path == "/badtype") {
      r.content_type = "text/plain\r\nSet-Cookie: x=1";
    } else {
      if (req.path == "/sleep") sleep_ms(300);
      std::string agent;
      for (const auto& [k, v] : req.headers)
        if (k == "X-Test") agent = std::string(v);
      r.http_status = req.path == "/created" ? 201 : 200;
      r.body = tag_ + " " + std::string(req.method) + " " + std::string(req.path) + " q=" +
               std::string(req.query) + " h=" + agent + " b=" + std::string(req.body);
    }
    return r;
  }
  SandboxCounters counters() const override { return {}; }

 private:
  std::string name_;
  bool blocking_;
  std::string tag_;
};

}  // namespace forkbox::server::testing
