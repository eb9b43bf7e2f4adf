import ServiceLifecycle

/// Waits between rounds of a background service, but wakes at once when the service group shuts down, so
/// shutdown never waits out a long interval.
func pause(for duration: Duration) async {
    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}
