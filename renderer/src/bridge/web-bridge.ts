// The bridge over a WebSocket to `berth serve`, reconnecting with backoff when the server goes away.
import { BridgeClient, type ClientMessage, type ServerMessage } from './contract';
import { useBridgeStatus } from './status';

export function connectWebBridge(token: string): BridgeClient {
  let socket: WebSocket | undefined;
  let queue: ClientMessage[] = [];
  let delay = 250;

  const client = new BridgeClient((msg) => {
    if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(msg));
    else if (msg.type !== 'unsubscribe') queue.push(msg);
  });

  const open = () => {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    useBridgeStatus.getState().set('connecting');
    const ws = new WebSocket(`${proto}//${location.host}/bridge?token=${encodeURIComponent(token)}`);
    socket = ws;
    ws.onopen = () => {
      delay = 250;
      useBridgeStatus.getState().set('open');
      const pending = queue;
      queue = [];
      for (const m of pending) ws.send(JSON.stringify(m));
    };
    ws.onmessage = (ev) => client.receive(JSON.parse(String(ev.data)) as ServerMessage);
    ws.onclose = (ev) => {
      if (socket !== ws) return;
      socket = undefined;
      const reason =
        ev.code === 1006 && !ev.wasClean
          ? 'the Berth server is not reachable'
          : `the connection closed (${ev.code})`;
      useBridgeStatus.getState().set('closed', reason);
      queue = [];
      client.disconnected(reason);
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 5000);
    };
  };
  open();
  return client;
}
