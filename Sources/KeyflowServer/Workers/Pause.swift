import ServiceLifecycle

/// Waits between rounds of a background service, but wakes at once when the service group shuts down, so
/// shutdown never waits out a long interval.
func pause(for duration: Duration) async {
    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}

/// How long a cluster lease for a periodic service lasts: three rounds, at least 30 s, so a holder that died is
/// replaced soon but a slow round never loses the lease to a second instance.
func leaseSeconds(every interval: Duration) -> Double {
    max(30, 3 * interval.inSeconds)
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
