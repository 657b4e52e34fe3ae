import { DatasetView } from '@/views/datasets-view';

export default async function DatasetPage({ params }: { params: Promise<{ name: string }> }) {
  const { name } = await params;
  return <DatasetView name={decodeURIComponent(name)} />;
}
