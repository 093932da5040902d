import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The closed-loop GET runner for plain `http://` URLs: one thread per connection, each a
/// blocking keep-alive socket that sends a prepared request and reads the answer with a minimal
/// HTTP/1.1 parser (Content-Length, chunked, `Connection: close`). It is how wrk drives a server,
/// and it keeps the generator from being what is measured: through AsyncHTTPClient the same
/// loop reached 0.6× wrk's requests per second on `/healthz`.
public struct SocketGetLoop: Sendable {
    public struct Endpoint: Sendable, Equatable {
        var host: String
        var port: UInt16
        var request: [UInt8]
    }

    let endpoints: [Endpoint]

    /// Nil when any URL is not plain `http://HOST[:PORT]/PATH`.
    public init?(urls: [String]) {
        var endpoints: [Endpoint] = []
        for text in urls {
            guard let url = URL(string: text), url.scheme == "http", let host = url.host else { return nil }
            var path = url.path.isEmpty ? "/" : url.path
            if let query = url.query { path += "?" + query }
            let hostHeader = url.port.map { "\(host):\($0)" } ?? host
            endpoints.append(
                Endpoint(
                    host: host, port: UInt16(url.port ?? 80),
                    request: Array("GET \(path) HTTP/1.1\r\nHost: \(hostHeader)\r\nUser-Agent: darkroom-loadgen\r\n\r\n".utf8)))
        }
        guard !endpoints.isEmpty else { return nil }
        self.endpoints = endpoints
    }

    /// Runs `connections` threads until `stop`, recording every request; returns when all have
    /// ended. Cancelling the task stops them after their current request.
    public func run(connections: Int, until stop: LoadStop, recorder: Recorder) async {
        let state = LoopState(stop: stop)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let remaining = LoopCountdown(count: connections) { done.resume() }
                for index in 0..<connections {
                    let thread = Thread { [endpoints] in
                        Self.connectionLoop(endpoints: endpoints, state: state, recorder: recorder)
                        remaining.finishOne()
                    }
                    thread.name = "loadgen-get-\(index)"
                    thread.start()
                }
            }
        } onCancel: {
            state.cancel()
        }
    }

    private static func connectionLoop(endpoints: [Endpoint], state: LoopState, recorder: Recorder) {
        var connection: Connection?
        while let n = state.next() {
            let endpoint = endpoints[n % endpoints.count]
            let started = ContinuousClock.now
            if connection == nil || connection?.endpoint != endpoint {
                connection?.close()
                connection = Connection(endpoint)
            }
            guard let open = connection, open.isOpen else {
                recorder.sent(at: started)
                recorder.error("connect")
                connection = nil
                Thread.sleep(forTimeInterval: 0.01)
                continue
            }
            switch open.exchange() {
            case .success(let status, let keepAlive):
                if (200..<300).contains(status) || status == 304 {
                    recorder.answered(intended: started)
                } else {
                    recorder.sent(at: started)
                    recorder.error("http_\(status)")
                }
                if !keepAlive {
                    open.close()
                    connection = nil
                }
            case .failure(let kind):
                recorder.sent(at: started)
                recorder.error(kind)
                open.close()
                connection = nil
            }
        }
        connection?.close()
    }

    /// One keep-alive connection.
    final class Connection {
        let endpoint: Endpoint
        private var fd: Int32 = -1
        private var buffer = [UInt8](repeating: 0, count: 64 << 10)
        private var pending: [UInt8] = []

        var isOpen: Bool { fd >= 0 }

        init(_ endpoint: Endpoint) {
            self.endpoint = endpoint
            var hints = addrinfo()
            hints.ai_family = AF_UNSPEC
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var result: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(endpoint.host, String(endpoint.port), &hints, &result) == 0, let info = result else { return }
            defer { freeaddrinfo(result) }
            let socket = Glibc.socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
            guard socket >= 0 else { return }
            var one: Int32 = 1
            setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            var timeout = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            guard connect(socket, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
                Glibc.close(socket)
                return
            }
            fd = socket
        }

        func close() {
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }

        enum Outcome {
            case success(status: Int, keepAlive: Bool)
            case failure(String)
        }

        /// Sends the request and reads one whole answer.
        func exchange() -> Outcome {
            let sent = endpoint.request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent == endpoint.request.count else { return .failure("connection_closed") }
            // The head.
            var headEnd: Int?
            while true {
                if let end = Self.find([13, 10, 13, 10], in: pending) {
                    headEnd = end
                    break
                }
                guard fill() else { return .failure(errno == EAGAIN || errno == EWOULDBLOCK ? "timeout" : "connection_closed") }
                if pending.count > 1 << 20 { return .failure("bad_answer") }
            }
            guard let headEnd else { return .failure("bad_answer") }
            let head = Array(pending[0..<headEnd])
            pending.removeFirst(headEnd + 4)
            // `HTTP/1.x NNN`: the status from its digits, without making strings.
            guard head.count >= 12, head.starts(with: Array("HTTP/1.".utf8)), head[8] == 32,
                (48...57).contains(head[9]), (48...57).contains(head[10]), (48...57).contains(head[11])
            else { return .failure("bad_answer") }
            let status = Int(head[9] - 48) * 100 + Int(head[10] - 48) * 10 + Int(head[11] - 48)
            var length: Int?
            var chunked = false
            var keepAlive = head[7] != UInt8(ascii: "0")
            var lineStart = 0
            while let lineEnd = Self.find([13, 10], in: head, from: lineStart) ?? (lineStart < head.count ? head.count : nil) {
                let line = head[lineStart..<lineEnd]
                lineStart = lineEnd + 2
                guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
                let name = String(decoding: line[line.startIndex..<colon], as: UTF8.self).lowercased()
                guard name == "content-length" || name == "transfer-encoding" || name == "connection" else { continue }
                let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
                switch name {
                case "content-length": length = Int(value)
                case "transfer-encoding": chunked = value.contains("chunked")
                default: keepAlive = value != "close"
                }
            }
            if chunked {
                while true {
                    guard let lineEnd = readLine() else { return .failure("connection_closed") }
                    let size = Int(lineEnd.split(separator: ";").first.map(String.init) ?? "", radix: 16) ?? -1
                    // A hostile size (negative, or near Int.max so that +2 would overflow) is refused.
                    guard (0...(1 << 40)).contains(size) else { return .failure("bad_answer") }
                    guard take(size + 2) else { return .failure("connection_closed") }
                    if size == 0 { break }
                }
            } else if let length {
                guard take(length) else { return .failure("connection_closed") }
            } else if status != 204 && status != 304 {
                // No framing: the body runs to the end of the connection.
                while fill() {}
                pending.removeAll()
                return .success(status: status, keepAlive: false)
            }
            return .success(status: status, keepAlive: keepAlive)
        }

        /// Reads more bytes into `pending`; false at the end of the stream or on an error.
        private func fill() -> Bool {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard got > 0 else { return false }
            pending.append(contentsOf: buffer[0..<got])
            return true
        }

        /// Drops `count` bytes of body, reading them as needed.
        private func take(_ count: Int) -> Bool {
            var left = count
            while left > 0 {
                if pending.isEmpty && !fill() { return false }
                let n = min(left, pending.count)
                pending.removeFirst(n)
                left -= n
            }
            return true
        }

        private func readLine() -> String? {
            while true {
                if let end = Self.find([13, 10], in: pending) {
                    let line = String(decoding: pending[0..<end], as: UTF8.self)
                    pending.removeFirst(end + 2)
                    return line
                }
                guard fill() else { return nil }
            }
        }

        static func find(_ needle: [UInt8], in bytes: [UInt8], from start: Int = 0) -> Int? {
            guard bytes.count >= needle.count else { return nil }
            var i = start
            while i + needle.count <= bytes.count {
                if bytes[i] == needle[0] && (1..<needle.count).allSatisfy({ bytes[i + $0] == needle[$0] }) { return i }
                i += 1
            }
            return nil
        }
    }
}

/// Request numbers for the connection threads, and the stop condition.
///
/// `@unchecked Sendable`: its fields are only touched with `lock` held.
final class LoopState: @unchecked Sendable {
    private let lock = NSLock()
    private var issued = 0
    private var cancelled = false
    private let stop: LoadStop
    private let start = ContinuousClock.now

    init(stop: LoadStop) {
        self.stop = stop
    }

    func next() -> Int? {
        lock.withLock {
            guard !cancelled else { return nil }
            switch stop {
            case .count(let count): if issued >= count { return nil }
            case .duration(let duration): if ContinuousClock.now - start >= duration { return nil }
            }
            issued += 1
            return issued - 1
        }
    }

    func cancel() { lock.withLock { cancelled = true } }
}

/// Calls `done` when `count` threads have finished.
///
/// `@unchecked Sendable`: `count` is only touched with `lock` held.
final class LoopCountdown: @unchecked Sendable {
    private let lock = NSLock()
    private var count: Int
    private let done: () -> Void

    init(count: Int, done: @escaping () -> Void) {
        self.count = count
        self.done = done
    }

    func finishOne() {
        let last = lock.withLock {
            count -= 1
            return count == 0
        }
        if last { done() }
    }
}
