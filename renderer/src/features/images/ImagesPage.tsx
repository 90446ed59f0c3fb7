import { RunDialogHost } from '../containers/RunDialog';
import { ImageDetails } from './ImageDetails';
import { ImageList } from './ImageList';
import { PruneDialog } from './PruneDialog';
import { PullDialog } from './PullDialog';
import { PushDialog } from './PushDialog';
import './images.css';

/** #/images (list) and #/images/<id>[/layers|/inspect] (details). */
export function ImagesPage({ params }: { params: string[] }) {
  const [id, tab] = params;
  return (
    <>
      {id ? <ImageDetails id={id} tab={tab === 'inspect' ? 'inspect' : 'layers'} /> : <ImageList />}
      <PullDialog />
      <PushDialog />
      <PruneDialog />
      {/* "Run" opens the containers feature's Run dialog right here. */}
      <RunDialogHost />
    </>
  );
}
