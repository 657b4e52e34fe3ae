import { QueueView } from '@/views/queue-view';

export default function QueuePage() {
  return (
    <>
      <h1>Queue</h1>
      <QueueView />
    </>
  );
}
