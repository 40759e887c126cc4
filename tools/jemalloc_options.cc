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
//
// Arenas per CPU (percpu_arena), not four per CPU assigned to threads round robin: a replay's
// six threads had eight arenas, and a batch allocated by one thread and freed by another left
// its memory in an arena the next allocations did not use. No separate arena for allocations
// of 8 MiB and more (oversize_threshold:0): that arena returns freed memory at once, and a
// replay's large vectors (hash index cells, entry lists, the dashboard's rows) came back as
// fresh pages every batch. Together: a 1M-event replay's peak RSS 422 -> 387 MB, huge-page
// faults 227 -> 204, and its system time (mostly first touches of memory, which costs this VM
// 1-3 ms per huge page) 0.49 -> 0.29 s, medians of six alternating runs (BENCHMARKS.md, Replay).
// The append bench at 64 writers was unchanged, and an idle `serve --demo` now holds 55 MB (44 MB
// with thp:default): fewer arenas leave fewer huge pages partly used.
#ifdef YIWANG_JEMALLOC_OPTIONS

extern "C" {
// The name jemalloc looks up (Debian's libjemalloc2 is built without a symbol prefix).
// NOLINTNEXTLINE(readability-identifier-naming)
extern const char* malloc_conf;
const char* malloc_conf =
    "thp:always,metadata_thp:always,percpu_arena:percpu,oversize_threshold:0";
}

#endif
