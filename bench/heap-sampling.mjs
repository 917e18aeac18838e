/**
 * Preloaded (`node --import`) by `bench/profile.ts --heap`: samples every allocation of the process
 * (V8's sampling heap profiler, objects later collected by a minor or major GC included) and writes
 * the profile to $DELUGE_HEAP_PROFILE on SIGUSR2.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const session = new Session();
session.connect();
session.post('HeapProfiler.startSampling', {
  samplingInterval: 4096,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
process.on('SIGUSR2', () => {
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error) throw error;
    writeFileSync(process.env.DELUGE_HEAP_PROFILE, JSON.stringify(result.profile));
  });
});
