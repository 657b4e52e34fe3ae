import { RunView } from '@/views/run-view';

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <RunView idText={decodeURIComponent(id)} />;
}
