import CLibVips

/// Owns exactly one reference to a libvips image and drops it in `deinit`.
///
/// `@unchecked Sendable`: a `VipsImage` never changes after it is built (every operation makes
/// a new one), libvips allows many threads to read one image, and GObject reference counts are
/// atomic.
final class VipsImageRef: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<VipsImage>
    /// The encoded bytes a lazily loaded image still reads from. libvips keeps only a pointer to
    /// its input buffer, so the bytes must live as long as any image derived from them.
    let source: SourceBytes?

    init(_ pointer: UnsafeMutablePointer<VipsImage>, source: SourceBytes?) {
        self.pointer = pointer
        self.source = source
    }

    deinit {
        g_object_unref(pointer)
    }
}

/// An immutable heap copy of encoded image bytes, with a stable address for libvips.
///
/// `@unchecked Sendable`: written once in `init`, only read afterwards, freed in `deinit`.
final class SourceBytes: @unchecked Sendable {
    let buffer: UnsafeMutableRawBufferPointer
    let count: Int

    init(_ bytes: some Collection<UInt8>) {
        count = bytes.count
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        // One memcpy for contiguous inputs (Data, [UInt8]); element by element only otherwise.
        let copied: Bool? = bytes.withContiguousStorageIfAvailable { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(source))
            return true
        }
        if copied == nil {
            _ = buffer.initializeMemory(as: UInt8.self, from: bytes)
        }
        self.buffer = buffer
    }

    var base: UnsafeRawPointer { UnsafeRawPointer(buffer.baseAddress!) }

    deinit {
        buffer.deallocate()
    }
}
