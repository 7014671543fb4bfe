export { ChatTemplateError, ChatTemplateMissingError } from './chat-errors.js';
export { renderChat, type ChatMessage, type ChatTool, type ChatToolCall, type RenderChatOptions } from './render-chat.js';
export { chatTemplateFromGGUF, chatTemplateFromConfig, resolveChatTemplate, type ChatTemplateSources } from './find-template.js';
export { parseToolCalls, toolCallSchema, type ParsedOutput, type ParsedToolCall } from './tool-calls.js';
