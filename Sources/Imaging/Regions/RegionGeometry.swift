extension [Region] {
    /// The centre of the box around every region, as a focus point; nil when there are none.
    public var focus: FocusPoint? {
        guard !isEmpty else { return nil }
        let left = map(\.x).min()!
        let top = map(\.y).min()!
        let right = map { $0.x + $0.width }.max()!
        let bottom = map { $0.y + $0.height }.max()!
        return FocusPoint(x: Swift.min(1, Swift.max(0, (left + right) / 2)), y: Swift.min(1, Swift.max(0, (top + bottom) / 2)))
    }
}
