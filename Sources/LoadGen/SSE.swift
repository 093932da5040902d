/// Server-Sent Events read line by line: the `data:` lines of each event, joined, once its blank
/// line arrives. Comments (`: keep-alive`) and other fields are skipped.
struct SSEParser {
    private var line: [UInt8] = []
    private var data: [String] = []

    /// Feeds bytes; returns the data of every event they complete.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [String] {
        var events: [String] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\n") {
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                if line.isEmpty {
                    if !data.isEmpty { events.append(data.joined(separator: "\n")) }
                    data = []
                } else if line.starts(with: Array("data:".utf8)) {
                    var value = line.dropFirst(5)
                    if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
                    data.append(String(decoding: value, as: UTF8.self))
                }
                line = []
            } else {
                line.append(byte)
                if line.count > 1 << 20 { line = [] }  // a runaway line is dropped, not kept
            }
        }
        return events
    }
}
