// Words the synthetic benchmark builds item content from: each latent topic has a genre name
// and title words, so text features carry (noisy) information about the latent topic.

export interface TopicVocabulary {
  genre: string;
  words: readonly string[];
  /** Centre of the topic's release years. */
  era: number;
}

const BASE: readonly TopicVocabulary[] = [
  {
    genre: 'Sci-Fi',
    era: 1995,
    words: ['Star', 'Orbit', 'Robot', 'Galaxy', 'Quantum', 'Nebula', 'Android', 'Signal'],
  },
  {
    genre: 'Romance',
    era: 1990,
    words: ['Love', 'Heart', 'Kiss', 'Wedding', 'Summer', 'Letters', 'Promise', 'Rose'],
  },
  {
    genre: 'Horror',
    era: 1985,
    words: ['Blood', 'Night', 'Shadow', 'Grave', 'Haunting', 'Scream', 'Curse', 'Crypt'],
  },
  {
    genre: 'Comedy',
    era: 2000,
    words: ['Party', 'Crazy', 'Roommates', 'Vacation', 'Oops', 'Buddies', 'Prank', 'Wacky'],
  },
  {
    genre: 'Western',
    era: 1965,
    words: ['Outlaw', 'Sheriff', 'Canyon', 'Saddle', 'Frontier', 'Gold', 'Dust', 'Rider'],
  },
  {
    genre: 'Documentary',
    era: 2010,
    words: ['Truth', 'Planet', 'Inside', 'Story', 'Ocean', 'Voices', 'Archive', 'Wild'],
  },
  {
    genre: 'Animation',
    era: 2005,
    words: ['Magic', 'Kingdom', 'Dragon', 'Toy', 'Little', 'Adventure', 'Friends', 'Forest'],
  },
  {
    genre: 'Thriller',
    era: 1998,
    words: ['Conspiracy', 'Agent', 'Target', 'Escape', 'Silent', 'Witness', 'Code', 'Hunt'],
  },
  {
    genre: 'Musical',
    era: 1975,
    words: ['Song', 'Dance', 'Broadway', 'Melody', 'Rhythm', 'Stage', 'Harmony', 'Jazz'],
  },
  {
    genre: 'War',
    era: 1970,
    words: ['Battle', 'Soldier', 'Front', 'Victory', 'Bridge', 'Siege', 'Platoon', 'Honor'],
  },
  {
    genre: 'Crime',
    era: 1992,
    words: ['Heist', 'Mob', 'Detective', 'Street', 'Money', 'Gang', 'Alibi', 'Vice'],
  },
  {
    genre: 'Fantasy',
    era: 2003,
    words: ['Sword', 'Wizard', 'Realm', 'Crown', 'Quest', 'Elves', 'Prophecy', 'Throne'],
  },
];

/** Vocabulary of topic `k`; beyond the base list, names repeat with a numeric suffix. */
export function topicVocabulary(k: number): TopicVocabulary {
  const base = BASE[k % BASE.length] as TopicVocabulary;
  const round = Math.floor(k / BASE.length);
  return round === 0 ? base : { ...base, genre: `${base.genre} ${round + 1}` };
}
