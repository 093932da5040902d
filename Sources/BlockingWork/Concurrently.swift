/// Runs `work` on every item, at most `width` at once, and hands each result to `finished`
/// on the caller's task as it comes (in the order they end, not the order of `items`).
public func concurrently<Item: Sendable, Result: Sendable>(
    _ items: [Item], width: Int, _ work: @escaping @Sendable (Item) async -> Result, finished: (Item, Result) -> Void
) async {
    await withTaskGroup(of: (Item, Result).self) { group in
        var next = 0
        func start() {
            guard next < items.count else { return }
            let item = items[next]
            next += 1
            group.addTask { (item, await work(item)) }
        }
        for _ in 0..<max(1, width) { start() }
        while let (item, result) = await group.next() {
            finished(item, result)
            start()
        }
    }
}
