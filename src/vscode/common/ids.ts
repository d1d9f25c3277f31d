/**
 * Every id that TiC Studio shares with package.json, as data in one place (ARCHITECTURE.md rule 6).
 * A unit test checks these against package.json in both directions; this file imports nothing.
 */
export const containerId = 'ticStudio';

export const commandIds = {
  openDashboard: 'ticStudio.openDashboard',
  refreshViews: 'ticStudio.refreshViews',
  showLog: 'ticStudio.showLog',
  inspectCheckpoint: 'ticStudio.inspectCheckpoint',
  compareCheckpoints: 'ticStudio.compareCheckpoints',
  downloadCheckpoint: 'ticStudio.downloadCheckpoint',
  cancelDownload: 'ticStudio.cancelDownload',
  revealInCache: 'ticStudio.revealInCache',
  copyCheckpointPath: 'ticStudio.copyCheckpointPath',
  setHubToken: 'ticStudio.setHubToken',
  resumeFromYear: 'ticStudio.resumeFromYear',
  continueChain: 'ticStudio.continueChain',
  branchMonthlyChain: 'ticStudio.branchMonthlyChain',
  resumeFromMonth: 'ticStudio.resumeFromMonth',
  continueMonthlyChain: 'ticStudio.continueMonthlyChain',
  evaluateCheckpoint: 'ticStudio.evaluateCheckpoint',
  stopRun: 'ticStudio.stopRun',
  showRunLog: 'ticStudio.showRunLog',
  showJobScript: 'ticStudio.showJobScript',
  openRunInDashboard: 'ticStudio.openRunInDashboard',
  revealRunOutput: 'ticStudio.revealRunOutput',
  copyRunCommand: 'ticStudio.copyRunCommand',
  rerunRun: 'ticStudio.rerunRun',
  removeRunRecord: 'ticStudio.removeRunRecord',
  clearFinishedRuns: 'ticStudio.clearFinishedRuns',
  commandPreviewLaunch: 'ticStudio.commandPreview.launch',
  commandPreviewCopy: 'ticStudio.commandPreview.copy',
  commandPreviewOpenInTerminal: 'ticStudio.commandPreview.openInTerminal',
  openProbe: 'ticStudio.openProbe',
  exportForProbe: 'ticStudio.exportForProbe',
  renameVariant: 'ticStudio.renameVariant',
  retryHub: 'ticStudio.retryHub',
  useHubMirror: 'ticStudio.useHubMirror',
  openHubCache: 'ticStudio.openHubCache',
  compareWithResumeParent: 'ticStudio.compareWithResumeParent',
  chooseCheckout: 'ticStudio.chooseCheckout',
  openWalkthrough: 'ticStudio.openWalkthrough',
  openWandbRun: 'ticStudio.openWandbRun',
} as const;

export const viewIds = {
  experiments: 'ticStudio.experiments',
  checkpoints: 'ticStudio.checkpoints',
  runs: 'ticStudio.runs',
} as const;

export const webviewTypes = {
  dashboard: 'ticStudio.dashboard',
  checkpointDiff: 'ticStudio.checkpointDiff',
  probe: 'ticStudio.probe',
} as const;

export const customEditorTypes = {
  checkpointInspector: 'ticStudio.checkpointInspector',
  /** The same editor for `.bin` (an optional editor there: most `.bin` files are not checkpoints). */
  binCheckpointInspector: 'ticStudio.binCheckpointInspector',
} as const;

export type CommandId = (typeof commandIds)[keyof typeof commandIds];

export const settingKeys = {
  hubEndpoint: 'ticStudio.hub.endpoint',
  hubCacheDir: 'ticStudio.hub.cacheDir',
  hubConnections: 'ticStudio.hub.connections',
  hubExtraRepos: 'ticStudio.hub.extraRepos',
  runsCheckout: 'ticStudio.runs.checkout',
  runsPython: 'ticStudio.runs.python',
  runsDataRoot: 'ticStudio.runs.dataRoot',
  runsMonthlyDataRoot: 'ticStudio.runs.monthlyDataRoot',
  runsImagenetVal: 'ticStudio.runs.imagenetVal',
  runsSimulator: 'ticStudio.runs.simulator',
  slurmPartition: 'ticStudio.slurm.partition',
  slurmAccount: 'ticStudio.slurm.account',
  slurmQos: 'ticStudio.slurm.qos',
  slurmTime: 'ticStudio.slurm.time',
  slurmMem: 'ticStudio.slurm.mem',
  slurmCpusPerTask: 'ticStudio.slurm.cpusPerTask',
  slurmNodes: 'ticStudio.slurm.nodes',
  slurmGpusPerNode: 'ticStudio.slurm.gpusPerNode',
  slurmGpuDirective: 'ticStudio.slurm.gpuDirective',
  slurmGresName: 'ticStudio.slurm.gresName',
  slurmRequeue: 'ticStudio.slurm.requeue',
  slurmAutoResume: 'ticStudio.slurm.autoResume',
  slurmMaxResubmits: 'ticStudio.slurm.maxResubmits',
  slurmRdzvPort: 'ticStudio.slurm.rdzvPort',
  slurmExtraDirectives: 'ticStudio.slurm.extraDirectives',
  slurmPollSeconds: 'ticStudio.slurm.pollSeconds',
  slurmMaxPollSeconds: 'ticStudio.slurm.maxPollSeconds',
  dashboardFirstStep: 'ticStudio.dashboard.firstStep',
  probeExportDirs: 'ticStudio.probe.exportDirs',
  probeSampleImages: 'ticStudio.probe.sampleImages',
  wandbEntity: 'ticStudio.wandb.entity',
} as const;
