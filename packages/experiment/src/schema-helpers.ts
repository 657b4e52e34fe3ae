// Small zod building blocks shared by the experiment config and the method registry.
import { z } from 'zod';

export const posInt = () => z.int().min(1);
export const learningRate = () => z.number().gt(0).lte(1);
