/** The signals a stop sends, in the order it escalates (a run record keeps the ones it had to send). */
export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGKILL';
