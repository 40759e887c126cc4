// jemalloc's options for the yiwang binary, compiled in only when it links jemalloc (tools/
// CMakeLists.txt). jemalloc reads `malloc_conf` at its first allocation, before main; the
// MALLOC_CONF environment variable still overrides it (MALLOC_CONF=thp:default undoes this).
//
// Transparent huge pages for jemalloc's extents and metadata (Debian's kernels leave THP to
// madvise). A 1M-event replay touches ~450 MB of fresh heap (a batch's case states, encoded
// records and staged entries): with 4 KiB pages that was ~120,000 page faults, ~7 % of the
// replay's samples in the kernel, and the projection threads' random reads of case state missed
// the TLB. With huge pages: ~10,000 faults and ~12 % less CPU in back-to-back replays; equal
// when each replay starts on memory the VM's host has taken back, whose first touch costs the
// same either way (BENCHMARKS.md, Replay). The price is memory: an idle `serve --demo` holds
// 72 MB instead of 38 MB.
#ifdef YIWANG_JEMALLOC_OPTIONS

extern "C" {
// The name jemalloc looks up (Debian's libjemalloc2 is built without a symbol prefix).
// NOLINTNEXTLINE(readability-identifier-naming)
extern const char* malloc_conf;
const char* malloc_conf = "thp:always,metadata_thp:always";
}

#endif
