import Glibc

/// The machine's physical memory: no array larger than it can be loaded, whatever a file declares.
enum PhysicalMemory {
    /// Physical memory in bytes, or `nil` when the system does not say.
    static var bytes: Int? {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, size > 0 else { return nil }
        return pages.multipliedReportingOverflow(by: size).overflow ? Int.max : pages * size
    }
}
