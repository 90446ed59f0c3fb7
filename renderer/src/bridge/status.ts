import { create } from 'zustand';

export type BridgeStatus = 'connecting' | 'open' | 'closed';

/** Whether the transport to the app backend is up (always 'open' in Electron). */
export const useBridgeStatus = create<{
  status: BridgeStatus;
  reason?: string;
  set(s: BridgeStatus, reason?: string): void;
}>((set) => ({
  status: 'connecting',
  set: (status, reason) => set({ status, reason }),
}));
