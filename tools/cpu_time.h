// The process's CPU time, for the figures the tools print (replay, the benches).
#pragma once

#include <sys/resource.h>
#include <time.h>

namespace yiwang::tools {

// All threads, user and kernel.
inline double ProcessCpuSeconds() {
  timespec used{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &used);
  return static_cast<double>(used.tv_sec) + used.tv_nsec / 1e9;
}

// The part of it in the kernel (all threads): in a replay, mostly first touches of fresh
// memory, the part of its CPU that varies most on a VM (BENCHMARKS.md, Replay).
inline double ProcessKernelSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_stime.tv_sec) + usage.ru_stime.tv_usec / 1e6;
}

}  // namespace yiwang::tools
