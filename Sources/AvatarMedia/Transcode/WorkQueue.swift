import Foundation

/// A bounded first-in-first-out queue between two threads: `push` waits while the queue is
/// full, `pop` waits while it is empty. `close` ends the stream after the queued items;
/// `cancel` drops them and wakes both sides at once (a failure on either side).
///
/// Items are handed over, not shared: whoever pushes an item never touches it again, so
/// the non-Sendable owners of AVFrames and AVPackets can cross threads here. All state is
/// behind the condition's lock.
final class WorkQueue<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Item?]
    private var head = 0
    private var count = 0
    private var closed = false
    private var cancelled = false

    init(capacity: Int) {
        items = Array(repeating: nil, count: max(1, capacity))
    }

    /// Adds an item, waiting for room; false when the queue was cancelled (the item is dropped).
    func push(_ item: Item) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while count == items.count && !cancelled { condition.wait() }
        guard !cancelled, !closed else { return false }
        items[(head + count) % items.count] = item
        count += 1
        condition.broadcast()
        return true
    }

    /// The next item, waiting for one; nil once the queue is closed and drained, or cancelled.
    func pop() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while count == 0 && !closed && !cancelled { condition.wait() }
        guard !cancelled, count > 0 else { return nil }
        let item = items[head]
        items[head] = nil
        head = (head + 1) % items.count
        count -= 1
        condition.broadcast()
        return item
    }

    /// No more items will come; `pop` returns the queued ones, then nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// Drops what is queued and makes every waiting and later call return at once.
    func cancel() {
        condition.lock()
        cancelled = true
        items = items.map { _ in nil }
        count = 0
        condition.broadcast()
        condition.unlock()
    }
}
