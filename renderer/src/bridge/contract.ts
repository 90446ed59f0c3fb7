// The renderer's one door to the contract: types plus the protocol client. Nothing else from electron/.
export * from '../../../electron/contract/index.js';
