import CLIP
import Foundation

/// An append-only file of float32 rows, read through mmap. The library's database records how many rows
/// are committed; rows past that count were written by a run that was killed before its database
/// transaction, and the next append (made under the library's write lock) overwrites them. So vectors
/// are written and synced first, and only then referenced. Opening never changes the file: another
/// process may be between its append and its commit. Thread-safe: a server's searches map rows while its
/// indexer appends.
final class VectorFile: @unchecked Sendable {
    let url: URL
    let dimension: Int
    private let lock = NSLock()
    private var committed: Int
    var count: Int { lock.withLock { committed } }
    private let fd: Int32
    private var mapped: UnsafeMutableRawPointer?
    private var mappedLength = 0
    /// Earlier, smaller mappings: kept until the file is closed, so rows handed out stay readable after
    /// appends (a search may still be reading them). The mapped sizes grow geometrically, so these add
    /// at most the file's size in address space, and no memory.
    private var retired: [(UnsafeMutableRawPointer, Int)] = []

    /// Opened for reading only: rows are mapped, never appended.
    let readOnly: Bool

    /// `create`: make the file when missing (a new library's first file; compactions write theirs).
    /// `readOnly`: open it for reading only (a library that cannot be written can still be searched).
    init(url: URL, dimension: Int, committedRows: Int, create: Bool = true, readOnly: Bool = false) throws {
        self.url = url
        self.dimension = dimension
        self.readOnly = readOnly
        fd =
            readOnly
            ? open(url.path, O_RDONLY | O_CLOEXEC) : open(url.path, O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0o644)
        guard fd >= 0 else {
            throw CLIPError.io(
                file: url.path, reason: "cannot open the vector file: \(String(cString: strerror(errno)))")
        }
        let rowBytes = dimension * MemoryLayout<Float>.size
        var info = stat()
        fstat(fd, &info)
        let available = Int(info.st_size) / rowBytes
        guard available >= committedRows else {
            close(fd)
            throw CLIPError.io(
                file: url.path,
                reason:
                    """
                        holds \(available) vectors but the library records \(committedRows): the file was truncated or \
                        replaced; delete the library folder to rebuild it
                        """
            )
        }
        committed = committedRows
    }

    /// Whether this is still the file at `url` (another process rebuilding the library for another model
    /// deletes it and starts a new one).
    var isCurrentFile: Bool {
        var open = stat(), named = stat()
        return fstat(fd, &open) == 0 && stat(url.path, &named) == 0 && open.st_ino == named.st_ino
            && open.st_dev == named.st_dev
    }

    deinit {
        unmap()
        for (pointer, length) in retired { munmap(pointer, length) }
        close(fd)
    }

    /// Appends `rows` (each `dimension` floats) after the committed rows and syncs them to disk; returns
    /// their row numbers. Only under the library's write lock: it first cuts off an uncommitted tail.
    func append(_ rows: [[Float]]) throws -> Range<Int> {
        guard !readOnly else { throw CLIPError.io(file: url.path, reason: "opened read-only: vectors cannot be added") }
        let start = count
        let rowBytes = dimension * MemoryLayout<Float>.size
        try FileWrite.truncate(
            fd, to: off_t(start * rowBytes), file: url.path, what: "the vector file (dropping uncommitted vectors)")
        var bytes = [Float]()
        bytes.reserveCapacity(rows.count * dimension)
        for row in rows {
            precondition(row.count == dimension, "vector of \(row.count) floats in a \(dimension)-d file")
            bytes += row
        }
        let offset = off_t(start * dimension * MemoryLayout<Float>.size)
        try bytes.withUnsafeBytes { try FileWrite.write(fd, $0, at: offset, file: url.path, what: "vectors") }
        try FileWrite.sync(fd, file: url.path, what: "the vectors")
        // Written and synced outside the lock (searches keep mapping rows meanwhile); one writer at a time.
        lock.withLock { committed = start + rows.count }
        return start..<(start + rows.count)
    }

    /// Another process committed rows up to `rows` (read from the database under the library's write
    /// lock): later appends go after them.
    func adopt(committedRows rows: Int) {
        lock.withLock { committed = max(committed, rows) }
    }

    /// Drops every row (the model changed). Only when the library is opened, before any row is handed out.
    func removeAll() throws {
        lock.lock()
        defer { lock.unlock() }
        unmap()
        try FileWrite.truncate(fd, to: 0, file: url.path, what: "the vector file")
        try FileWrite.sync(fd, file: url.path, what: "the emptied vector file")
        committed = 0
    }

    /// All committed rows, `[count, dimension]`, or the first `atLeast` rows when another process has
    /// committed more than this one knows of. The memory stays valid (and unchanged: rows are never
    /// rewritten) for the life of this file object, across later appends.
    func rows(atLeast: Int = 0) throws -> UnsafeBufferPointer<Float> {
        lock.lock()
        defer { lock.unlock() }
        let count = max(committed, atLeast)
        let length = count * dimension * MemoryLayout<Float>.size
        guard length > 0 else { return UnsafeBufferPointer(start: nil, count: 0) }
        // Reading a mapped page past the end of the file would be SIGBUS, not an error.
        var info = stat()
        guard fstat(fd, &info) == 0, Int(info.st_size) >= length else {
            throw CLIPError.io(
                file: url.path,
                reason: "holds fewer than the \(count) vectors the library records: the file was truncated or replaced")
        }
        if mappedLength < length {
            // Map twice what is needed: rows appended later appear in this mapping (it is shared with the
            // file), so a growing library remaps only when it doubles.
            let capacity = 2 * length
            guard let pointer = mmap(nil, capacity, PROT_READ, MAP_SHARED, fd, 0), pointer != MAP_FAILED else {
                throw CLIPError.io(
                    file: url.path, reason: "cannot map the vector file: \(String(cString: strerror(errno)))")
            }
            if let mapped { retired.append((mapped, mappedLength)) }
            mapped = pointer
            mappedLength = capacity
        }
        return UnsafeBufferPointer(start: mapped!.assumingMemoryBound(to: Float.self), count: count * dimension)
    }

    private func unmap() {
        if let mapped { munmap(mapped, mappedLength) }
        mapped = nil
        mappedLength = 0
    }
}
