import { ExperimentsList } from '@/views/experiments-view';

export default function ExperimentsPage() {
  return (
    <>
      <h1>Experiments</h1>
      <ExperimentsList />
    </>
  );
}
