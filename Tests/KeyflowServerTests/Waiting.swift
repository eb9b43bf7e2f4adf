import Testing

/// Waits up to 5 s for a condition that other tasks make true, and records an issue if it never does.
func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<500 {
        if condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    Issue.record("the condition did not come true within 5 s")
}
