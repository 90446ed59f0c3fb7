import { ContainerDetails } from './ContainerDetails';
import { ContainerList } from './ContainerList';
import { RunDialogHost } from './RunDialog';

/** #/containers (list) and #/containers/<id>/<tab> (details). */
export function ContainersPage({ params }: { params: string[] }) {
  return (
    <>
      {params[0] ? <ContainerDetails key={params[0]} id={params[0]} tab={params[1]} /> : <ContainerList />}
      <RunDialogHost />
    </>
  );
}
