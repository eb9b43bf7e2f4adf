import ServiceLifecycle

/// Sends every open event stream of this process a keep-alive comment every `interval`, so proxies do not
/// close idle streams. One timer for all streams, rather than one sleeping task per stream.
struct StreamHeartbeat: Service {
    let hub: EventHub
    let interval: Duration

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            await pause(for: interval)
            hub.beat()
        }
    }
}
