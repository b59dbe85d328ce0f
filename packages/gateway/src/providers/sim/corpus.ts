/**
 * What the simulator says: an opening line, then short passages of plain
 * English, so that a first demo reads like a model answering. In a
 * sentence, `{a|b}` is a choice and `{3-40}` a whole number in that range,
 * picked by the request's random stream: two prompts (or seeds) get
 * different words even when they open at the same passage, so a test can
 * tell their streams apart.
 */
export const OPENERS: readonly string[] = [
  '{Sure|Certainly|Of course|Gladly|Happily|Right|Well|Okay}, {here is|this is|let me give you} {a short|a quick|a simple|a plain} {answer|take on it|way to see it|example}.',
  '{Good|Fair|Nice|Interesting|Great} question{.|!} {Let me|I will|Allow me to} {explain|answer|put it} {simply|briefly|in a few lines|with an example}.',
  'Here is {one|a simple|a useful|the easiest} way to {think about|look at|begin with} it, {in short|briefly|with an example|in plain words}.',
  '{In short|Put simply|Briefly|In a few words|To keep it simple}, {the answer|the idea|the story|the main point} {goes|runs} like this.',
  '{Let us|We can|I will} {start|begin} {with|from} {the basics|a picture|an everyday example|something familiar}.',
  'Thanks for {asking|the question|your question}{.|!} {Here|This} is {what I would say|how I see it|the short version|a clear answer}.',
];

export const PASSAGES: readonly (readonly string[])[] = [
  [
    'A river begins as a {thin|narrow|slender} thread of water about {300-2900} metres up in the hills.',
    'It gathers {rain|snowmelt|spring water} from {12-90} small streams, and each one that joins it makes it {wider|deeper|stronger}.',
    'Over {3-40} thousand years it carves a valley, moving one grain of sand at a time.',
    'Where the land flattens it {slows down|loses speed|spreads out} and drops the soil it carried, which is why river plains are so fertile.',
    'By the time it reaches the sea, some {40-900} kilometres later, it has shaped the whole country it crossed.',
  ],
  [
    'When you ask a model a question, it writes the answer {one piece at a time|a little at a time|in small steps}, about {20-90} pieces a second.',
    'Each piece is called a token, roughly {three|four|five} letters of text, and the model predicts the next one from everything before it.',
    'Streaming sends every token {as soon as it exists|the moment it is ready|the instant it is written}, so you start reading within {80-600} milliseconds.',
    'If the connection drops after token {12-400}, a careful gateway remembers where you were.',
    'The answer then {continues|picks up|carries on} from that point without losing or repeating a single word.',
  ],
  [
    'A lighthouse keeper once had a {simple|plain|modest} job that never ended, {300-365} nights a year.',
    'Every evening the lamp was lit, the lens was {cleaned|polished|wiped down}, and the clockwork was wound {2-6} times by hand.',
    'Ships up to {10-40} kilometres out at sea counted the flashes to know which coast they were passing.',
    'Today most lights {run by themselves|are automatic|need no keeper}, but the rule they follow is the same.',
    'Be steady, be visible, and never go dark when {someone|a ship|a crew of {3-30}} is relying on you.',
  ],
  [
    'Good bread needs only flour, water, salt and about {4-18} hours of patience.',
    'The yeast feeds on the flour and fills the dough with {tiny|small|countless} bubbles of gas, which is what makes it rise.',
    'Kneading for {6-15} minutes builds long strands of gluten that trap those bubbles and give the loaf its {structure|shape|strength}.',
    'A slow rise in a kitchen at {16-21} degrees develops more flavour than a fast one in a warm room.',
    'Patience, more than any {secret|special|family} recipe, is what separates a good loaf from a great one.',
  ],
  [
    'On a clear night far from city lights you can see about {2000-4500} stars with your own eyes.',
    'The {faint|pale|misty} band across the sky is our own galaxy, seen from the inside.',
    'Some of the points of light are not stars at all but planets, which {drift|wander|move} against the background from week to week.',
    'The light from the most distant stars you can see left them more than {800-4000} years ago.',
    'So {looking up|gazing at the sky|watching the stars} is also a way of looking back in time.',
  ],
  [
    'A garden teaches you to plan in seasons rather than days, {about|roughly|some} {8-26} weeks ahead.',
    'Seeds sown in spring need soil warmer than {8-14} degrees, steady water and a little protection from {birds|slugs|the wind}.',
    'By summer the work turns to {weeding|pruning|watering} and picking what is ripe before it spoils.',
    'In autumn the beds are cleared and fed with {2-9} barrows of compost for the following year.',
    'Every gardener {learns|discovers|finds out} that the soil, not the plant, is what you are really looking after.',
  ],
  [
    'Early railways changed how people thought about time, {starting|beginning} around {1830-1850}.',
    'Before trains, each town kept its own {local|solar} time, and two towns {20-200} kilometres apart could differ by minutes.',
    'A timetable that crossed the country could not work that way, so the railways agreed on {a shared|a single|one common} standard time.',
    'Clocks in {stations|ticket halls|signal boxes} were kept in step by telegraph signals, checked {1-4} times a day.',
    'The idea that everyone should agree on the time grew from the {simple|plain|practical} need to catch a train.',
  ],
  [
    'A library is a {quiet|patient|generous} machine for remembering, and a large one holds over {200-900} thousand books.',
    'Books are sorted by subject, so a reader looking for one {often|usually|sometimes} finds {2-5} more on the same shelf.',
    'Catalogues once filled {wooden drawers|long cabinets|whole rooms} with paper cards; now they fit in a search box.',
    'What has not changed is the promise behind them, kept for {150-400} years.',
    'Anyone may walk in, ask a question, and leave knowing {a little|a lot|something} more than before.',
  ],
];
