/**
 * A loopback TCP proxy in front of PostgreSQL, to play an operator's outages: forward, cut every connection at
 * once, or blackhole (connections are accepted and bytes are swallowed both ways, nothing is answered).
 */
import net from 'node:net'

export interface TcpProxy {
  port: number
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string
  /** From now on, swallow every byte both ways and forward no new connection. */
  blackhole(): void
  /** Forward again (connections that lost bytes stay broken: their clients must give them up). */
  forward(): void
  /** Destroys every connection now, as a crashed network or database host would. */
  killAll(): void
  close(): Promise<void>
}

/** @param port where to listen (0: any free port). */
export async function startTcpProxy(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>()
  let swallowing = false
  const track = (socket: net.Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => undefined)
  }
  const relay = (from: net.Socket, to: net.Socket) => {
    from.on('data', (chunk) => {
      if (!swallowing && !to.destroyed) to.write(chunk)
    })
    from.on('close', () => to.destroy())
  }
  const server = net.createServer((client) => {
    track(client)
    if (swallowing) return
    client.pause()
    const upstream = net.connect(target.port, target.host, () => client.resume())
    track(upstream)
    relay(client, upstream)
    relay(upstream, client)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  const listening = (server.address() as net.AddressInfo).port
  return {
    port: listening,
    via(url) {
      const parsed = new URL(url)
      parsed.hostname = '127.0.0.1'
      parsed.port = String(listening)
      return parsed.toString()
    },
    blackhole: () => (swallowing = true),
    forward: () => (swallowing = false),
    killAll() {
      for (const socket of sockets) socket.destroy()
    },
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => server.close(resolve))
    },
  }
}
