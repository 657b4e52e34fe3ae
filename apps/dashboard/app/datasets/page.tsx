import { DatasetsList } from '@/views/datasets-view';

export default function DatasetsPage() {
  return (
    <>
      <h1>Datasets</h1>
      <DatasetsList />
    </>
  );
}
