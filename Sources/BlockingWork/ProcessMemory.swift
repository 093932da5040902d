import CMemory

#if canImport(Glibc)
    import Glibc
#endif

/// How a Darkroom process gives memory back. glibc's allocator keeps what a burst of large
/// images freed (up to eight arenas a core, each holding its peak) instead of returning it, so a
/// service's RSS only climbs; `docs/operations.md` ("Memory") has the measurements.
public enum ProcessMemory {
    /// Tunes glibc's allocator for a process that handles large, short-lived buffers (decoded
    /// images, upload bodies): at most two malloc arenas (glibc's default is eight a core, each
    /// keeping its own peak), and blocks of 4 MiB and more always mapped on their own, so that
    /// freeing one returns it at once (glibc otherwise raises that threshold to the largest block
    /// freed, and keeps every later image in the heap). `MALLOC_ARENA_MAX` and
    /// `MALLOC_MMAP_THRESHOLD_` in the environment win, for operators who tune glibc themselves.
    /// Call it first thing in `main`; every Darkroom process, render children included, does.
    public static func tuneAllocator() {
        dr_malloc_tune(
            arenas, mmapThreshold, getenv("MALLOC_ARENA_MAX") == nil ? 0 : 1, getenv("MALLOC_MMAP_THRESHOLD_") == nil ? 0 : 1)
    }

    public static let arenas: Int32 = 2
    public static let mmapThreshold: Int32 = 4 << 20

    /// Returns the heap's free pages to the system. Costs about a millisecond: call it between
    /// jobs, not within one.
    public static func returnFreeMemory() {
        dr_malloc_trim()
    }

    /// A process's resident set in bytes (this one's by default), from /proc; nil where there is
    /// none.
    public static func residentBytes(of pid: Int32? = nil) -> Int? {
        let path = pid.map { "/proc/\($0)/statm" } ?? "/proc/self/statm"
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        // "size resident shared …", in pages.
        let fields = buffer.prefix(count).split(separator: UInt8(ascii: " "))
        guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
